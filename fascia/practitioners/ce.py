"""Continuing-education arithmetic: the renewal cycle a day falls in, and how far a practitioner's
courses go toward its requirement. Plain Python, no Django.

A credential with an expiry date renews on it, so its cycle is the `cycle_months` that end on the
expiry day. Without one, cycles run back to back from the issue date. Both ends are inclusive: a
course completed on the first or the last day counts.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Cycle:
    starts: date
    ends: date

    def __contains__(self, day: date) -> bool:
        return self.starts <= day <= self.ends


def current_cycle(*, issued_on: date, expires_on: date | None, cycle_months: int, today: date) -> Cycle:
    if cycle_months <= 0:
        raise ValueError("A renewal cycle is at least one month long.")
    if expires_on is not None:
        return Cycle(add_months(expires_on, -cycle_months) + timedelta(days=1), expires_on)
    starts = issued_on
    while add_months(starts, cycle_months) <= today:
        starts = add_months(starts, cycle_months)
    return Cycle(starts, add_months(starts, cycle_months) - timedelta(days=1))


@dataclass(frozen=True)
class Course:
    completed_on: date
    hours: Decimal
    category: str


@dataclass(frozen=True)
class Progress:
    cycle: Cycle
    required: Decimal
    counted: Decimal
    by_category: dict[str, Decimal]  # hours counted per category that has a minimum
    missing: dict[str, Decimal] = field(default_factory=dict)  # category (or "total") -> hours still needed
    days_left: int = 0

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def percent(self) -> int:
        return 100 if self.required <= 0 else min(100, int(self.counted * 100 / self.required))


def progress(
    *, cycle: Cycle, total_hours: Decimal, minimums: dict[str, Decimal], courses: list[Course], today: date
) -> Progress:
    """How the courses completed inside the cycle meet its total and per-category minimums."""
    for course in courses:
        if course.hours <= 0:
            raise ValueError(f"A course of {course.hours} hours is not possible.")
    counted_courses = [c for c in courses if c.completed_on in cycle]
    counted = sum((c.hours for c in counted_courses), Decimal("0"))
    by_category = {
        category: sum((c.hours for c in counted_courses if c.category == category), Decimal("0"))
        for category in minimums
    }
    missing = {
        category: Decimal(str(minimum)) - by_category[category]
        for category, minimum in minimums.items()
        if by_category[category] < Decimal(str(minimum))
    }
    if counted < total_hours:
        missing["total"] = total_hours - counted
    return Progress(
        cycle=cycle,
        required=total_hours,
        counted=counted,
        by_category=by_category,
        missing=missing,
        days_left=(cycle.ends - today).days,
    )
