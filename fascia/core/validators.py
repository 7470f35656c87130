"""The plausible range of a date a clinic records, defined once for model fields, pages and the API.

A date outside it is a typing slip (2099 for 2009) or a probe (9999-12-31, 0001-01-01), and date arithmetic on
the extremes overflows; each field says how far ahead of today it may reach (0: not in the future).
"""

import calendar
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.deconstruct import deconstructible

EARLIEST = date(1900, 1, 1)


def validate_not_blank(value: str) -> None:
    """Text that must say something: only spaces is as good as empty (forms strip it; the API does not)."""
    if not value.strip():
        raise ValidationError("This field cannot be blank.", code="blank")


# How far ahead the schedule (its pages and the API) can be read and booked.
SCHEDULE_YEARS_AHEAD = 5


def latest(years_ahead: int) -> date:
    return timezone.localdate() + timedelta(days=366 * years_ahead)


@deconstructible
class PlausibleDate:
    """Validator: the date is from EARLIEST to `years_ahead` years after today."""

    def __init__(self, years_ahead: int = 0) -> None:
        self.years_ahead = years_ahead

    def __call__(self, value: date) -> None:
        last = latest(self.years_ahead)
        if value > last:
            message = "This date cannot be in the future." if self.years_ahead == 0 else f"Give a date until {last}."
            raise ValidationError(message, code="future_date")
        if value < EARLIEST:
            raise ValidationError(f"Give a date from {EARLIEST} on.", code="too_old")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlausibleDate) and other.years_ahead == self.years_ahead


def plausible_day(text: str, *, years_ahead: int = SCHEDULE_YEARS_AHEAD) -> date | None:
    """The date a query parameter names (YYYY-MM-DD), or None when it names none or one out of range."""
    try:
        day = parse_date(text)
    except ValueError:  # well formed but no such day, e.g. 2026-02-30
        return None
    if day is None or not EARLIEST <= day <= latest(years_ahead):
        return None
    return day


def _digits(low: int, high: int, width: int) -> str:
    """A regular expression for the numbers from `low` to `high`, written with `width` digits."""
    if low > high:
        return "(?!)"  # nothing
    if width == 1:
        return str(low) if low == high else f"[{low}-{high}]"
    unit = 10 ** (width - 1)
    head_low, head_high = divmod(low, unit)[0], divmod(high, unit)[0]
    if head_low == head_high:
        return f"{head_low}{_group(_digits(low % unit, high % unit, width - 1))}"
    parts = []
    if low % unit:
        parts.append(f"{head_low}{_group(_digits(low % unit, unit - 1, width - 1))}")
        head_low += 1
    tail = []
    if high % unit != unit - 1:
        tail.append(f"{head_high}{_group(_digits(0, high % unit, width - 1))}")
        head_high -= 1
    if head_low <= head_high:
        parts.append(f"{_digits(head_low, head_high, 1)}{_group(_digits(0, unit - 1, width - 1))}")
    return "|".join(parts + tail)


def _group(pattern: str) -> str:
    return f"(?:{pattern})" if "|" in pattern else pattern


def _month_days(months: range, last_day: int | None = None) -> str:
    """Month and day (MM-DD) of the given months; the last one's days up to `last_day` when given."""
    lengths = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}  # 29 February is the leap years' (see date_pattern)
    parts = []
    for month in months:
        days = lengths.get(month, 31)
        if last_day is not None and month == months[-1]:
            days = min(days, last_day)
        parts.append(f"{month:02d}-{_group(_digits(1, days, 2))}")
    return _group("|".join(parts)) if parts else "(?!)"


def date_pattern(last: date) -> str:
    """The ISO dates (YYYY-MM-DD) from EARLIEST to `last`, as the regular expression an OpenAPI schema states.

    It is what PlausibleDate accepts, so a client (and the fuzz test) knows the range before it sends a date.
    """
    whole_years = _digits(EARLIEST.year, last.year - 1, 4)
    leap_years = [y for y in range(EARLIEST.year, last.year + 1) if calendar.isleap(y) and date(y, 2, 29) <= last]
    alternatives = [
        f"{_group(whole_years)}-{_month_days(range(1, 13))}",
        f"{last.year}-{_month_days(range(1, last.month + 1), last.day)}",
    ]
    if leap_years:
        alternatives.append(f"(?:{'|'.join(map(str, leap_years))})-02-29")
    return f"^(?:{'|'.join(alternatives)})$"
