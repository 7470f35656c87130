"""Reads of credentials and CE: who may see whose, each page's rows, the compliance overview."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from fascia.core.models import User
from fascia.practitioners import ce
from fascia.practitioners.credentials import EXPIRING_DAYS, Standing, requirement_for, standing
from fascia.practitioners.models import CECategory, CourseRecord, Credential, Practitioner, RenewalRequirement
from fascia.practitioners.services import may_edit

# A clinic cannot treat without these on record and current.
REQUIRED_KINDS = (Credential.Kind.LICENSE, Credential.Kind.CPR, Credential.Kind.INSURANCE)
MISSING_LABELS = {
    Credential.Kind.LICENSE: "No current license",
    Credential.Kind.CPR: "No current CPR / first aid",
    Credential.Kind.INSURANCE: "No current liability insurance",
}


def practitioners_of(user: User) -> QuerySet[Practitioner]:
    """The active practitioners of the user's organization, with what the credential pages read."""
    return (
        Practitioner.objects.filter(user__organization_id=user.member_organization_id, user__is_active=True)
        .select_related("user")
        .prefetch_related("credentials", "courses")
    )


def get_practitioner_for_user(user: User, public_id: UUID) -> Practitioner:
    """404 for another clinic's practitioner, 403 for a colleague's record (admins see everyone's)."""
    try:
        practitioner = (
            Practitioner.objects.filter(user__organization_id=user.member_organization_id)
            .select_related("user")
            .prefetch_related("credentials", "courses")
            .get(public_id=public_id)
        )
    except Practitioner.DoesNotExist as e:
        raise Http404("No such practitioner.") from e
    if not may_edit(user, practitioner):  # who may see them is who keeps them
        raise PermissionDenied("Only an admin or the practitioner sees these credentials.")
    return practitioner


def get_own_practitioner(user: User) -> Practitioner:
    practitioner = getattr(user, "practitioner", None)
    if practitioner is None:
        raise PermissionDenied("This account has no practitioner profile.")
    return get_practitioner_for_user(user, practitioner.public_id)


def get_document_for_user(user: User, kind: str, public_id: UUID) -> Credential | CourseRecord:
    """A credential or a course with its stored copy, for its practitioner or an admin."""
    model: type[Credential] | type[CourseRecord]
    if kind == "credential":
        model = Credential
    elif kind == "course":
        model = CourseRecord
    else:
        raise Http404("No such kind of document.")
    try:
        record = model.objects.select_related("practitioner__user").get(
            public_id=public_id, practitioner__user__organization_id=user.member_organization_id
        )
    except model.DoesNotExist as e:
        raise Http404("No such document.") from e
    if not may_edit(user, record.practitioner):
        raise PermissionDenied("Only an admin or the practitioner opens this copy.")
    return record


def requirements(organization_id: int) -> list[RenewalRequirement]:
    """The organization's own CE renewal requirements (each organization edits its own)."""
    return list(RenewalRequirement.objects.filter(organization_id=organization_id))


def bar_step(percent: int) -> int:
    """The nearest 5 % step, for the fixed set of width classes (.w-pct-0 … .w-pct-100): the CSP
    allows no inline style."""
    return min(100, max(0, (percent * 2 + 5) // 10 * 5))


def category_label(category: str) -> str:
    return "in total" if category == "total" else CECategory(category).label


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    minimum: Decimal
    counted: Decimal
    missing: Decimal | None


# Built once: CECategory.values makes a new list on every access.
_CATEGORY_ORDER = {category: i for i, category in enumerate(CECategory.values)}


def _in_order(category: str) -> int:
    """CECategory's order, "total" last (the JSON minimums come back in the database's key order)."""
    return _CATEGORY_ORDER.get(category, len(_CATEGORY_ORDER))


def category_rows(requirement: RenewalRequirement, progress: ce.Progress) -> list[CategoryRow]:
    return [
        CategoryRow(
            category=category,
            label=CECategory(category).label,
            minimum=Decimal(str(requirement.category_minimums[category])),
            counted=progress.by_category.get(category, Decimal("0")),
            missing=progress.missing.get(category),
        )
        for category in sorted(requirement.category_minimums, key=_in_order)
    ]


@dataclass(frozen=True)
class CredentialRow:
    """One credential as the pages show it: its standing, and its CE progress when renewing it takes CE."""

    standing: Standing
    requirement: RenewalRequirement | None
    categories: list[CategoryRow]
    bar_class: str
    short: list[str]  # "2 h Health equity", …

    @property
    def credential(self) -> Credential:
        return self.standing.credential

    @property
    def progress(self) -> ce.Progress | None:
        return self.standing.progress

    @property
    def badge(self) -> tuple[str, str]:
        """The status badge: its text and its Bootstrap colour class."""
        state, days = self.standing.state, self.standing.days_left
        if state == "expired":
            return f"Expired {self.credential.expires_on:%Y-%m-%d}", "text-bg-danger"
        if state == "expiring":
            return f"Expires in {days} day{'' if days == 1 else 's'}", "text-bg-warning"
        if state == "inactive":
            return self.credential.get_status_display(), "text-bg-secondary"
        return "Current", "text-bg-success"


def shortfall(progress: ce.Progress) -> list[str]:
    """What is still missing, as "2 h Health equity", by category and then in total."""
    return [
        f"{progress.missing[category].normalize():f} h {category_label(category)}"
        for category in sorted(progress.missing, key=_in_order)
    ]


def credential_rows(practitioner: Practitioner, today: date, reqs: list[RenewalRequirement]) -> list[CredentialRow]:
    rows = []
    for item in standing(practitioner, today, requirements=reqs):
        requirement = requirement_for(item.credential, reqs) if item.progress else None
        rows.append(
            CredentialRow(
                standing=item,
                requirement=requirement,
                categories=category_rows(requirement, item.progress) if requirement and item.progress else [],
                bar_class=f"w-pct-{bar_step(item.progress.percent)}" if item.progress else "",
                short=shortfall(item.progress) if item.progress else [],
            )
        )
    return rows


def _same_credential(a: Credential, b: Credential) -> bool:
    """Whether b renews (or stands in for) a: the same kind, state, specialty and issuer."""
    if a.kind != b.kind:
        return False
    if a.kind == Credential.Kind.LICENSE:
        return a.state == b.state
    if a.kind == Credential.Kind.SPECIALTY:
        return a.specialty == b.specialty
    if a.kind in (Credential.Kind.CPR, Credential.Kind.INSURANCE):
        return True
    return a.issuing_body.strip().lower() == b.issuing_body.strip().lower()


@dataclass(frozen=True)
class ComplianceRow:
    practitioner: Practitioner
    rows: list[CredentialRow]
    current: list[CredentialRow]
    expiring: list[CredentialRow]
    lapsed: list[CredentialRow]  # expired or inactive, and not renewed by another record
    missing: list[str]
    ce: list[CredentialRow]  # the credentials that take CE to renew

    @property
    def fully_credentialed(self) -> bool:
        return not self.missing and not self.lapsed


def compliance_row(practitioner: Practitioner, today: date, reqs: list[RenewalRequirement]) -> ComplianceRow:
    rows = credential_rows(practitioner, today, reqs)
    valid = [r.credential for r in rows if r.standing.state in ("current", "expiring")]
    lapsed = [
        r
        for r in rows
        if r.standing.state in ("expired", "inactive") and not any(_same_credential(r.credential, v) for v in valid)
    ]
    held = {c.kind for c in valid if c.is_current_on(today)}
    return ComplianceRow(
        practitioner=practitioner,
        rows=rows,
        current=[r for r in rows if r.standing.state == "current"],
        expiring=[r for r in rows if r.standing.state == "expiring"],
        lapsed=lapsed,
        missing=[MISSING_LABELS[kind] for kind in REQUIRED_KINDS if kind not in held],
        ce=[r for r in rows if r.progress is not None],
    )


def compliance(user: User, today: date) -> list[ComplianceRow]:
    """Every active practitioner's standing: four queries however many practitioners."""
    reqs = requirements(user.member_organization_id)
    return [compliance_row(p, today, reqs) for p in practitioners_of(user)]


@dataclass(frozen=True)
class Alert:
    text: str
    level: str  # danger, warning, secondary: the badge colour


def alerts(practitioner: Practitioner, today: date) -> list[Alert]:
    """What the practitioner's dashboard flags: credentials expired or expiring within 90 days,
    and CE still short (urgent when the cycle ends within 90 days). Three queries.

    From standing() rather than credential_rows(): the dashboard shows none of the per-category rows
    and bars those pages build."""
    result = []
    credentials = list(Credential.objects.filter(practitioner=practitioner))
    courses = list(CourseRecord.objects.filter(practitioner=practitioner))
    reqs = list(RenewalRequirement.objects.filter(organization__staff__practitioner=practitioner))  # its clinic's
    for item in standing(practitioner, today, requirements=reqs, credentials=credentials, courses=courses):
        credential, state, progress = item.credential, item.state, item.progress
        if state == "expired":
            result.append(Alert(f"{credential.name} expired {credential.expires_on:%Y-%m-%d}", "danger"))
        elif state == "expiring":
            days = item.days_left
            result.append(Alert(f"{credential.name} expires in {days} day{'' if days == 1 else 's'}", "warning"))
        if progress is not None and not progress.complete and state != "inactive":
            level = "warning" if progress.days_left <= EXPIRING_DAYS else "secondary"
            result.append(
                Alert(
                    f"{credential.name} CE short: {', '.join(shortfall(progress))} ({progress.days_left} days left)",
                    level,
                )
            )
    return result
