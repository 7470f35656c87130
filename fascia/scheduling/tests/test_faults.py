"""The app process killed while booking a series: every appointment of it is booked, or none."""

from datetime import time

import pytest
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Location, User
from fascia.core.tests.faults import AppServer, KillAt, after_commit
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, AppointmentType, WorkingHours

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def series(tess: User, location: Location) -> tuple[Patient, dict]:
    """A patient and the booking form for six visits: Mondays and Wednesdays at 9 for three weeks."""
    for weekday in (0, 2):
        WorkingHours.objects.create(
            practitioner=tess.practitioner, location=location, weekday=weekday, starts=time(8), ends=time(18)
        )
    patient = PatientFactory(organization=location.organization)
    form = {
        "patient": str(patient.public_id),
        "practitioner": str(tess.practitioner.public_id),
        "location": str(location.public_id),
        "appointment_type": str(AppointmentType.objects.get(code="follow-up-30").pk),
        "day": "2030-01-07",
        "start": "09:00",
        "notes": "Plan: 2x/week",
        "repeat_weekdays": ["0", "2"],
        "repeat_weeks": "3",
    }
    return patient, form


def test_a_series_cut_short_books_nothing(app_server: AppServer, frank: User, series: tuple[Patient, dict]) -> None:
    patient, form = series
    browser = app_server.browser(frank)
    book = reverse("scheduling:book")
    browser.get(f"{book}?patient={patient.public_id}")
    kill_at = KillAt(sql=r'^INSERT INTO "scheduling_appointment"', nth=2, after=True)
    browser.post_killed(book, form, kill_at=kill_at)

    assert not Appointment.objects.filter(patient=patient).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_BOOKED).exists()

    browser.get(f"{book}?patient={patient.public_id}")  # the slots are free again: the series books whole
    assert browser.post(book, form).status == 302
    assert Appointment.objects.filter(patient=patient, notes="Plan: 2x/week").count() == 6


def test_a_series_killed_after_commit_is_booked_whole(
    app_server: AppServer, frank: User, series: tuple[Patient, dict]
) -> None:
    patient, form = series
    browser = app_server.browser(frank)
    book = reverse("scheduling:book")
    browser.get(f"{book}?patient={patient.public_id}")
    browser.post_killed(book, form, kill_at=after_commit())

    assert Appointment.objects.filter(patient=patient, notes="Plan: 2x/week").count() == 6
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_BOOKED).count() == 6
