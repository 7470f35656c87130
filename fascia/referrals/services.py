"""Writes for referring providers, referrals and correspondence: validated, atomic, audited."""

from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.lib.uploads import checked_upload
from fascia.patients import icd10
from fascia.patients.models import Patient
from fascia.referrals.models import Correspondence, Referral, ReferringProvider

if TYPE_CHECKING:  # django-stubs-ext is a test dependency; the annotation is for mypy only
    from django_stubs_ext import WithAnnotations


class VisitsUsed(TypedDict):
    visits_used: int


@transaction.atomic
def save_provider(*, actor: User, provider: ReferringProvider) -> ReferringProvider:
    provider.full_clean()
    provider.save()
    audit.record(actor=actor, action=AuditAction.PROVIDER_SAVED, target=provider)
    return provider


def _clean_codes(text: str) -> str:
    codes = [icd10.normalize_code(c) for c in text.replace(";", ",").split(",") if c.strip()]
    unknown = [c for c in codes if not icd10.is_known_code(c)]
    if unknown:
        raise ValidationError({"diagnoses": f"Not ICD-10-CM code(s): {', '.join(unknown)}."})
    return ", ".join(codes)


@transaction.atomic
def record_referral(
    *, actor: User, patient: Patient, provider: ReferringProvider, upload: "File[bytes] | None" = None, **fields: Any
) -> Referral:
    if provider.organization_id != patient.organization_id:
        raise ValidationError({"provider": "Choose a provider from your own directory."})
    referral = Referral(patient=patient, provider=provider, created_by=actor, **fields)
    referral.diagnoses = _clean_codes(referral.diagnoses)
    if upload is not None:
        referral.document, referral.document_type = upload, checked_upload(upload, "document")
    referral.full_clean(exclude=["document"])
    referral.save()
    audit.record(actor=actor, action=AuditAction.REFERRAL_RECORDED, target=referral, patient=patient)
    return referral


def with_visits_used(referrals: QuerySet[Referral]) -> "QuerySet[WithAnnotations[Referral, VisitsUsed]]":
    """Annotate `visits_used`: the signed visit notes under the plans that answer each referral.

    A subquery per referral rather than a grouped join: grouping by every column of the referral (and
    of what is read with it) made PostgreSQL's planning slow, and on an empty referrals table its row
    estimate switched on the JIT compiler, which cost more than reading no rows. Plans and visits sit above
    referrals (a note points at its plan, a plan at its referral), so the count goes down those relations
    from here."""
    signed = (
        Referral.objects.filter(pk=OuterRef("pk"), plans__visit_notes__status="signed")
        .order_by()
        .values("pk")
        .annotate(n=Count("plans__visit_notes"))
        .values("n")
    )
    return referrals.annotate(visits_used=Coalesce(Subquery(signed, output_field=IntegerField()), 0))


def referral_warnings(referral: Referral, *, on: date, visits_used: int = 0) -> list[str]:
    """What the chart and plan pages warn about: an expired referral, or its visits used up."""
    warnings = []
    if referral.expires_on < on:
        warnings.append(f"The referral from {referral.provider} expired on {referral.expires_on:%Y-%m-%d}.")
    if visits_used >= referral.visits_authorized:
        warnings.append(f"All {referral.visits_authorized} referred visits are used.")
    return warnings


@transaction.atomic
def record_correspondence(
    *,
    actor: User,
    patient: Patient,
    upload: "File[bytes] | None" = None,
    pdf: tuple[str, bytes] | None = None,
    **fields: Any,
) -> Correspondence:
    """Log a letter sent or received; `pdf` is a generated (name, bytes), `upload` a received file."""
    entry = Correspondence(patient=patient, recorded_by=actor, **fields)
    if entry.provider is not None and entry.provider.organization_id != patient.organization_id:
        raise ValidationError({"provider": "Choose a provider from your own directory."})
    if upload is not None:
        checked_upload(upload, "document")
        entry.document = upload
    elif pdf is not None:
        entry.document = ContentFile(pdf[1], name=pdf[0])
    entry.full_clean(exclude=["document"])
    entry.save()
    audit.record(actor=actor, action=AuditAction.CORRESPONDENCE_RECORDED, target=entry, patient=patient)
    return entry
