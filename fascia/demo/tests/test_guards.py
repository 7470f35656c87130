"""The demo loader's guards and clock: each test needs an empty database of its own."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from fascia.billing.models import Claim
from fascia.core.models import Organization
from fascia.demo.tests.test_demo import _failure_kind, assert_signed_notes_fit_and_are_sealed, last_week
from fascia.patients.models import Patient
from fascia.practitioners.models import Practitioner
from fascia.scheduling.models import Appointment
from fascia.visits import queries as visit_queries
from fascia.visits.models import VisitNote


def test_it_refuses_a_database_with_real_data(organization: Organization) -> None:
    with pytest.raises(CommandError, match="not the demo clinic's"):
        call_command("demo", quiet_logins=True)
    assert not Patient.objects.exists()


def test_on_a_monday_morning_last_week_is_written_up(db: None) -> None:
    monday = datetime(2026, 11, 23, 7, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(monday):
        call_command("demo", quiet_logins=True)
    assert not Appointment.objects.filter(start_at__gte=monday).exclude(status=Appointment.Status.BOOKED).exists()
    appointments = last_week(monday.date())
    assert len(appointments) >= 40
    assert all(hasattr(a, "note") for a in appointments)
    drafts = VisitNote.objects.filter(status=VisitNote.Status.DRAFT)
    assert drafts.filter(visited_on=date(2026, 11, 20)).exists()
    assert_signed_notes_fit_and_are_sealed()


# A Sunday (closed), a Friday afternoon (this week nearly over) and a Wednesday morning.
@pytest.mark.parametrize(
    "now",
    [datetime(2026, 12, 6, 10), datetime(2026, 12, 4, 15), datetime(2027, 3, 10, 9)],
    ids=["sunday", "friday", "wednesday"],
)
def test_on_any_day_today_and_the_coming_week_have_a_schedule_notes_and_claims(db: None, now: datetime) -> None:
    now = now.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    today = now.date()
    with time_machine.travel(now):
        call_command("demo", quiet_logins=True)
        days = [today + timedelta(days=n) for n in range(8)]
        for day in days:
            booked = Appointment.objects.filter(start_at__date=day).count()
            # The demo clinic opens Monday to Friday: every open day from today on is booked.
            assert (booked >= 12) if day.weekday() < 5 else booked == 0, (day, booked)
        later = Appointment.objects.filter(start_at__gte=now)
        assert later.exists() and not later.exclude(status=Appointment.Status.BOOKED).exists()
        drafts = [d for p in Practitioner.objects.all() for d in visit_queries.dashboard(p, today)["drafts"]]
        assert 1 <= len(drafts) <= 5  # notes to write
        ready = Claim.objects.filter(status=Claim.Status.READY)
        assert ready.count() >= 5  # claims to work, and the three the scrubber fails
        failing = Claim.objects.filter(status=Claim.Status.DRAFT)
        problems = sorted(_failure_kind(problem) for claim in failing for problem in claim.problems)
        assert problems == ["authorization used up", "expired referral", "no member ID"]
