"""Writes of the analytics app: the clinic's condition groups, each save in one transaction with one audit entry."""

from collections.abc import Iterable

import simple_icd_10_cm as icd
from django.core.exceptions import ValidationError
from django.db import transaction

from fascia import audit
from fascia.analytics import episodes
from fascia.analytics.groups import DEFAULT_GROUPS
from fascia.analytics.models import ConditionGroup
from fascia.audit.models import AuditAction
from fascia.core.models import Organization, User


def parse_codes(text: str) -> list[str]:
    """ICD-10-CM code prefixes from a comma- or space-separated list, upper-cased with the dot after the category;
    ValidationError naming every one that is not an ICD-10-CM code or category (a lone chapter letter, such as V
    for transport accidents, is a prefix too)."""
    codes: list[str] = []
    unknown = []
    for raw in text.replace(",", " ").replace(";", " ").split():
        bare = raw.strip().upper().replace(".", "")
        code = f"{bare[:3]}.{bare[3:]}" if len(bare) > 3 else bare
        known = (len(code) == 1 and code.isalpha()) or (icd.is_valid_item(code) and not icd.is_chapter_or_block(code))
        if not known:
            unknown.append(raw)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValidationError(
            f"Not ICD-10-CM codes or categories: {', '.join(unknown)}. Give code prefixes such as M54.5 or M75."
        )
    if not codes:
        raise ValidationError("Give at least one ICD-10-CM code prefix, such as M54.5.")
    return codes


def seed_groups(organizations: Iterable[Organization]) -> None:
    """Give each organization the default condition groups it lacks (by name)."""
    for organization in organizations:
        have = set(ConditionGroup.objects.filter(organization=organization).values_list("name", flat=True))
        ConditionGroup.objects.bulk_create(
            ConditionGroup(organization=organization, name=name, codes=list(codes), position=position)
            for position, (name, codes) in enumerate(DEFAULT_GROUPS)
            if name not in have
        )


def new_organization_groups(
    sender: type[Organization], instance: Organization, created: bool, **kwargs: object
) -> None:
    """post_save of an organization: a new clinic starts with the default condition groups."""
    if created and not kwargs.get("raw"):
        seed_groups([instance])


@transaction.atomic
def save_group(*, actor: User, group: ConditionGroup, name: str, codes: str) -> ConditionGroup:
    """Create or change a condition group of the actor's organization; its episodes are regrouped."""
    group.name = name.strip()
    group.codes = parse_codes(codes)
    if not group.name:
        raise ValidationError("Give the group a name.")
    duplicate = (
        ConditionGroup.objects.filter(organization=group.organization, name__iexact=group.name)
        .exclude(pk=group.pk)
        .first()
    )
    if duplicate is not None:
        raise ValidationError(f"There is already a group named {duplicate.name}.")
    if group.pk is None:
        last = ConditionGroup.objects.filter(organization=group.organization).order_by("-position").first()
        group.position = last.position + 1 if last else 0
    group.save()
    episodes.regroup(group.organization_id)
    audit.record(actor=actor, action=AuditAction.CONDITION_GROUP_SAVED, target=group, detail={"codes": group.codes})
    return group


@transaction.atomic
def delete_group(*, actor: User, group: ConditionGroup) -> None:
    audit.record(actor=actor, action=AuditAction.CONDITION_GROUP_DELETED, target=group, detail={"codes": group.codes})
    group.episodes.clear()
    group.delete()
