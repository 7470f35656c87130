"""The plausible range of a date a clinic records, defined once for model fields, pages and the API.

A date outside it is a typing slip (2099 for 2009) or a probe (9999-12-31, 0001-01-01), and date arithmetic on
the extremes overflows; each field says how far ahead of today it may reach (0: not in the future).
"""

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
