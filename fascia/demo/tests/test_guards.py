"""The demo loader's guards and clock: each test needs an empty database of its own."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from fascia.core.models import Organization
from fascia.demo.tests.test_demo import assert_signed_notes_fit_and_are_sealed, last_week
from fascia.patients.models import Patient
from fascia.scheduling.models import Appointment
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
