from datetime import UTC, date, datetime, time

import pytest
from django.template import engines
from django.utils import timezone


def render(source: str, value: object) -> str:
    return engines["django"].from_string(source).render({"value": value})


# Late evening in New York is the next day in UTC: the clinic's day and time are written, as Django's own do.
MOMENTS = [
    date(2026, 3, 8),
    date(1, 1, 1),
    datetime(2026, 3, 9, 3, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC),
    datetime(2026, 7, 4, 12, 5),
    None,
    "",
    "not a date",
]


@pytest.mark.parametrize("value", MOMENTS)
def test_iso_date_writes_what_djangos_date_filter_writes(value: object) -> None:
    assert render("{{ value|iso_date }}", value) == render('{{ value|date:"Y-m-d" }}', value)


@pytest.mark.parametrize("value", [m for m in MOMENTS if not isinstance(m, date) or isinstance(m, datetime)])
def test_day_time_writes_what_djangos_date_filter_writes(value: object) -> None:
    assert render("{{ value|day_time }}", value) == render('{{ value|date:"Y-m-d H:i" }}', value)


def test_day_time_of_a_date_is_its_midnight() -> None:
    """Where Django's filter raises (a time format for a date), the day at 00:00."""
    assert render("{{ value|day_time }}", date(2026, 3, 8)) == "2026-03-08 00:00"


@pytest.mark.parametrize("value", [m for m in MOMENTS if not isinstance(m, date) or isinstance(m, datetime)])
def test_hour_minute_writes_what_djangos_time_filter_writes(value: object) -> None:
    assert render("{{ value|hour_minute }}", value) == render('{{ value|time:"H:i" }}', value)


def test_the_clinics_day_and_time() -> None:
    late_evening = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)  # 23:30 on the 8th in New York
    with timezone.override("America/New_York"):
        assert render("{{ value|iso_date }} {{ value|hour_minute }}", late_evening) == "2026-03-08 23:30"
    assert render("{{ value|hour_minute }}", time(7, 5)) == "07:05"
