from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from fascia.core.models import Location, User
from fascia.patients import services as patient_services
from fascia.patients.models import Consent, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import AppointmentType
from fascia.scheduling.services import book_appointment


@pytest.fixture
def booked(ada: User, tess: User, location: Location) -> callable:
    kind = AppointmentType.objects.get(code="follow-up-30")

    def make(patient: Patient, hours_ahead: float) -> object:
        return book_appointment(
            actor=ada,  # an admin may book outside working hours
            patient=patient,
            practitioner=tess.practitioner,
            location=location,
            appointment_type=kind,
            start_at=timezone.now() + timedelta(hours=hours_ahead),
            override=True,
        )

    return make


def patient_with(frank: User, location: Location, *, allow_email: bool) -> Patient:
    patient = PatientFactory(organization=location.organization, email="ivy@example.com")
    patient_services.record_consent(
        actor=frank, patient=patient, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=allow_email
    )
    return patient


def test_it_sends_each_due_reminder_once_with_a_calendar_file(frank: User, location: Location, booked) -> None:
    booked(patient_with(frank, location, allow_email=True), 20)
    booked(patient_with(frank, location, allow_email=True), 30)  # not due yet (24 hours ahead)
    out = StringIO()
    for _ in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True):  # the emails leave once the claims commit
            call_command("send_reminders", stdout=out)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ivy@example.com"] and "reminder of your appointment" in message.body
    name, content, kind = message.attachments[0]
    assert (name, kind) == ("appointment.ics", "text/calendar") and "BEGIN:VEVENT" in content
    assert out.getvalue().splitlines() == [
        "1 reminder(s) sent; 0 skipped (no email consent or address).",
        "0 reminder(s) sent; 0 skipped (no email consent or address).",
    ]


def test_patients_who_declined_email_get_none(frank: User, location: Location, booked) -> None:
    booked(patient_with(frank, location, allow_email=False), 5)
    booked(PatientFactory(organization=location.organization, email="x@example.com"), 6)  # no consent recorded
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_reminders", stdout=StringIO())
    assert mail.outbox == []
