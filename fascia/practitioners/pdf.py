"""The CE transcript a practitioner sends with a renewal application: a pure context builder."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fascia.core.models import Organization
from fascia.practitioners import ce
from fascia.practitioners.models import CourseRecord, Credential, Practitioner, RenewalRequirement
from fascia.practitioners.queries import CategoryRow, category_rows, credential_rows, shortfall

# Enough for any career; guards the walk back through cycles.
MAX_CYCLES = 40


@dataclass(frozen=True)
class CycleSection:
    cycle: ce.Cycle
    is_current: bool
    courses: list[CourseRecord]
    total: Decimal
    categories: list[CategoryRow]
    met: bool
    short: list[str]


@dataclass(frozen=True)
class CredentialSection:
    credential: Credential
    requirement: RenewalRequirement
    cycles: list[CycleSection]


def previous_cycle(credential: Credential, cycle: ce.Cycle, months: int) -> ce.Cycle | None:
    """The cycle before `cycle`, or None when the credential was not yet held then."""
    if credential.expires_on is None and cycle.starts <= credential.issued_on:
        return None
    before = cycle.starts - timedelta(days=1)
    expires = before if credential.expires_on is not None else None
    return ce.current_cycle(issued_on=credential.issued_on, expires_on=expires, cycle_months=months, today=before)


def cycles_of(credential: Credential, current: ce.Cycle, months: int, earliest: date | None) -> list[ce.Cycle]:
    """The current cycle, then each earlier one back to the first course on record, newest first."""
    result = [current]
    while earliest is not None and len(result) < MAX_CYCLES:
        cycle = previous_cycle(credential, result[-1], months)
        if cycle is None or cycle.ends < earliest:
            break
        result.append(cycle)
    return result


def transcript_context(
    practitioner: Practitioner, requirements: list[RenewalRequirement], organization: Organization, today: date
) -> dict:
    """Courses grouped by each renewal cycle of every credential that takes CE, with the totals, the
    requirement and whether it is met; then every course on record."""
    courses = sorted(practitioner.courses.all(), key=lambda c: (c.completed_on, c.id))
    as_ce = [ce.Course(c.completed_on, c.hours, c.category) for c in courses]
    earliest = courses[0].completed_on if courses else None
    sections = []
    for row in credential_rows(practitioner, today, requirements):
        if row.requirement is None or row.progress is None:
            continue
        requirement = row.requirement
        minimums = {k: Decimal(str(v)) for k, v in requirement.category_minimums.items()}
        cycles = []
        for cycle in cycles_of(row.credential, row.progress.cycle, requirement.cycle_months, earliest):
            inside = [c for c in courses if c.completed_on in cycle]
            is_current = cycle == row.progress.cycle
            if not inside and not is_current:
                continue
            progress = ce.progress(
                cycle=cycle, total_hours=requirement.total_hours, minimums=minimums, courses=as_ce, today=today
            )
            cycles.append(
                CycleSection(
                    cycle=cycle,
                    is_current=is_current,
                    courses=inside,
                    total=progress.counted,
                    categories=category_rows(requirement, progress),
                    met=progress.complete,
                    short=shortfall(progress),
                )
            )
        sections.append(CredentialSection(credential=row.credential, requirement=requirement, cycles=cycles))
    return {
        "practitioner": practitioner,
        "organization": organization,
        "today": today,
        "sections": sections,
        "courses": courses,
        "total": sum((c.hours for c in courses), Decimal("0")),
    }
