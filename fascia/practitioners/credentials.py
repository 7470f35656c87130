"""Where a practitioner stands: each credential current, expiring or expired, CE progress toward
its renewal, and the checks that keep an uncredentialed technique or an expired license away
from patients (plans, bookings, notes)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, Q

from fascia.practitioners import ce
from fascia.practitioners.models import CourseRecord, Credential, Practitioner, RenewalRequirement, Specialty

EXPIRING_DAYS = 90


class NotCredentialed(Exception):
    pass


@dataclass(frozen=True)
class Standing:
    credential: Credential
    state: str  # current, expiring, expired, inactive
    days_left: int | None
    progress: ce.Progress | None


def requirement_for(credential: Credential, requirements: list[RenewalRequirement]) -> RenewalRequirement | None:
    for r in requirements:
        if r.kind != credential.kind:
            continue
        if r.state and r.state == credential.state:
            return r
        if r.issuing_body and r.issuing_body.lower() in credential.issuing_body.lower():
            return r
    return None


def standing(
    practitioner: Practitioner,
    today: date,
    *,
    requirements: list[RenewalRequirement],
    credentials: Iterable[Credential] | None = None,
    courses: Iterable[CourseRecord] | None = None,
) -> list[Standing]:
    """Each credential's state and CE progress: three queries, fewer for what is given (the practitioner's
    credentials and courses, else read through its related managers, which prefetch_related fills)."""
    courses = practitioner.courses.all() if courses is None else courses
    completed = [ce.Course(c.completed_on, c.hours, c.category) for c in courses]
    result = []
    for credential in practitioner.credentials.all() if credentials is None else credentials:
        days_left = (credential.expires_on - today).days if credential.expires_on else None
        if credential.status != Credential.Status.ACTIVE:
            state = "inactive"
        elif days_left is not None and days_left < 0:
            state = "expired"
        elif days_left is not None and days_left <= EXPIRING_DAYS:
            state = "expiring"
        else:
            state = "current"
        requirement = requirement_for(credential, requirements)
        progress = None
        if requirement is not None:
            cycle = ce.current_cycle(
                issued_on=credential.issued_on,
                expires_on=credential.expires_on,
                cycle_months=requirement.cycle_months,
                today=today,
            )
            minimums = {k: Decimal(str(v)) for k, v in requirement.category_minimums.items()}
            progress = ce.progress(
                cycle=cycle, total_hours=requirement.total_hours, minimums=minimums, courses=completed, today=today
            )
        result.append(Standing(credential, state, days_left, progress))
    return result


def license_problem(practitioner: Practitioner, day: date) -> str | None:
    """Why the practitioner may not treat on `day` for want of a license: only when licenses are on
    record and none is current (no license on record shows as missing on the compliance page)."""
    licenses = list(Credential.objects.filter(practitioner=practitioner, kind=Credential.Kind.LICENSE))
    if not licenses or any(c.is_current_on(day) for c in licenses):
        return None
    latest = max(licenses, key=lambda c: c.expires_on or day)
    ended = (
        f"expired on {latest.expires_on:%Y-%m-%d}" if latest.expires_on and latest.expires_on < day else "is not active"
    )
    return f"{practitioner}'s massage license ({latest.name}) {ended}."


def current_on(day: Any) -> Q:
    """Credential.is_current_on as a filter; `day` may be a date or an OuterRef to one."""
    return Q(status=Credential.Status.ACTIVE, issued_on__lte=day) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=day)
    )


def license_lapsed(practitioner: Any, day: Any) -> Q:
    """Whether license_problem() finds a problem, as a condition a query asks along with its other questions
    (each of `practitioner` and `day` a value or an OuterRef): licenses on record, none of them current."""
    licenses = Credential.objects.filter(practitioner=practitioner, kind=Credential.Kind.LICENSE)
    return Q(Exists(licenses)) & ~Q(Exists(licenses.filter(current_on(day))))


def check_license(practitioner: Practitioner, day: date) -> list[str]:
    """Raise NotCredentialed when an expired license blocks the work; return it as a warning when the
    clinic has turned the block into a warning (FASCIA_EXPIRED_LICENSE_BLOCKS=False)."""
    problem = license_problem(practitioner, day)
    if problem is None:
        return []
    if settings.EXPIRED_LICENSE_BLOCKS:
        raise NotCredentialed(problem)
    return [problem]


def missing_privilege(
    practitioner: Practitioner, required_specialty: str, technique_name: str, day: date
) -> str | None:
    """Why the practitioner may not perform a technique that requires a specialty certification."""
    if not required_specialty:
        return None
    held = [
        c
        for c in practitioner.credentials.all()
        if c.kind == Credential.Kind.SPECIALTY and c.specialty == required_specialty and c.is_current_on(day)
    ]
    if held:
        return None
    return (
        f"{technique_name} requires a current {Specialty(required_specialty).label} certification, "
        f"which {practitioner} does not hold."
    )
