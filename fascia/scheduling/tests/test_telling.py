"""The patient hears of what the clinic books, moves and cancels for them, and, while they owe the intake, that it is
due (or an invitation to the portal) when a visit is booked: issue 27 points 1, 2, 8 and 9."""

import threading
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.notifications.models import Notification
from fascia.patients import accounts
from fascia.patients.models import Consent, Patient, PortalInvitation
from fascia.patients.services import record_consent
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import intake_sent, patient_account
from fascia.scheduling import services
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy
from fascia.scheduling.tests.factories import CLINIC, at
from fascia.visits.tests.factories import signed_note

FRIDAY = date(2030, 1, 4)  # the clinic's clock: Friday 09:00
MONDAY = date(2030, 1, 7)

pytestmark = pytest.mark.usefixtures("hours")


@pytest.fixture(autouse=True)
def _friday_morning() -> object:
    with time_machine.travel(datetime(2030, 1, 4, 9, tzinfo=CLINIC), tick=False):
        yield


@pytest.fixture
def patient(organization: Organization, frank: User) -> Patient:
    """Nora, a new patient with an email address and consent to email."""
    nora = PatientFactory(organization=organization, given_name="Nora", family_name="Quill", email="nora@example.com")
    record_consent(actor=frank, patient=nora, kind=Consent.Kind.CONTACT, date=FRIDAY, allow_email=True)
    return nora


def book(actor: User, patient: Patient, *starts: datetime) -> list[Appointment]:
    """Book as the booking page does (a series, of one date or more), the emails' links at testserver."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.book_series(
            actor=actor,
            patient=patient,
            practitioner=User.objects.get(username="tess").practitioner,
            location=Location.objects.get(name="Main Street Clinic"),
            appointment_type=AppointmentType.objects.get(code="follow-up-30"),
            starts=list(starts),
            site="http://testserver/",
        )


def sent(patient: Patient) -> list[str]:
    return list(Notification.objects.filter(patient=patient).order_by("id").values_list("kind", flat=True))


class TestStaffChanges:
    def test_a_booking_is_confirmed_with_its_calendar_file(self, frank: User, patient: Patient) -> None:
        patient_account(patient)
        intake_sent(patient)
        mail.outbox.clear()
        book(frank, patient, at(MONDAY, 10))
        (message,) = mail.outbox
        assert message.to == ["nora@example.com"] and message.subject.startswith("Booked: Mon Jan 7, 10:00")
        assert [a[0] for a in message.attachments] == ["appointment.ics"]
        assert message.attachments[0][1].count("BEGIN:VEVENT") == 1

    def test_a_series_is_one_email_listing_its_dates_with_one_calendar(self, frank: User, patient: Patient) -> None:
        patient_account(patient)
        intake_sent(patient)
        mail.outbox.clear()
        book(frank, patient, *(at(MONDAY + timedelta(weeks=n), 10) for n in range(3)))
        (message,) = mail.outbox
        assert message.subject.startswith("Booked: 3 visits from Mon Jan 7, 10:00")
        for day in ("Monday, January 7 at 10:00", "Monday, January 14 at 10:00", "Monday, January 21 at 10:00"):
            assert day in message.body
        assert message.attachments[0][1].count("BEGIN:VEVENT") == 3

    def test_a_move_and_a_cancellation_reach_the_patient_a_no_show_does_not(
        self, frank: User, patient: Patient
    ) -> None:
        patient_account(patient)
        intake_sent(patient)
        first, second = book(frank, patient, at(MONDAY, 10), at(MONDAY, 14))
        mail.outbox.clear()
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.reschedule_appointment(actor=frank, appointment=first, start_at=at(MONDAY, 11))
            services.cancel_appointment(actor=frank, appointment=second, reason="Patient called")
        moved, cancelled = mail.outbox
        assert moved.subject.startswith("New time: Mon Jan 7, 11:00") and moved.attachments
        assert cancelled.subject.startswith("Cancelled: Mon Jan 7, 14:00") and not cancelled.attachments
        with time_machine.travel(at(MONDAY, 11, 30), tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            services.move_appointment(actor=frank, appointment=first, move="no_show")
        assert len(mail.outbox) == 2

    def test_a_visit_entered_after_its_time_tells_nobody(self, frank: User, patient: Patient) -> None:
        book(frank, patient, at(FRIDAY, 8))
        assert sent(patient) == []


class TestIntakeOnBooking:
    def test_a_patient_with_an_account_is_told_the_intake_is_due_once(self, frank: User, patient: Patient) -> None:
        patient_account(patient)
        mail.outbox.clear()
        book(frank, patient, at(MONDAY, 10))
        confirmation, due = mail.outbox
        assert due.subject == "Test Massage Clinic, LLC: please fill in your intake form before your visit"
        assert "Monday, January 7 at 10:00" in due.body and "http://testserver/my/intake/" in due.body
        assert AuditEvent.objects.filter(action=AuditAction.INTAKE_DUE_SENT, patient=patient).count() == 1
        book(frank, patient, at(MONDAY, 14))  # a second booking the same day: confirmed, the intake not asked again
        assert sent(patient) == ["booking_confirmed", "intake_due", "booking_confirmed"]
        with time_machine.travel(datetime(2030, 1, 5, 9, 30, tzinfo=CLINIC), tick=False):
            book(frank, patient, at(MONDAY, 16))  # a day later, still owed: asked again
        assert sent(patient)[-2:] == ["booking_confirmed", "intake_due"]

    def test_a_series_asks_once(self, frank: User, patient: Patient) -> None:
        patient_account(patient)
        book(frank, patient, *(at(MONDAY + timedelta(weeks=n), 10) for n in range(4)))
        assert sent(patient) == ["booking_confirmed", "intake_due"]

    def test_nothing_once_the_intake_is_sent_or_a_visit_is_signed(
        self, frank: User, tess: User, patient: Patient, organization: Organization
    ) -> None:
        patient_account(patient)
        intake_sent(patient)
        book(frank, patient, at(MONDAY, 10))
        seen = PatientFactory(organization=organization, email="seen@example.com")
        record_consent(actor=frank, patient=seen, kind=Consent.Kind.CONTACT, date=FRIDAY, allow_email=True)
        signed_note(tess, seen, FRIDAY)
        book(frank, seen, at(MONDAY, 11))
        assert sent(patient) == sent(seen) == ["booking_confirmed"]
        assert not PortalInvitation.objects.filter(patient=seen).exists()

    def test_a_patient_without_an_account_is_invited_by_whoever_booked(self, frank: User, patient: Patient) -> None:
        book(frank, patient, at(MONDAY, 10))
        confirmation, invited = mail.outbox
        assert invited.subject == "Test Massage Clinic, LLC: your patient portal invitation"
        assert "Your visit is booked for Monday, January 7 at 10:00" in invited.body
        assert "intake form is waiting" in invited.body and "http://testserver/my/invite/" in invited.body
        (invitation,) = PortalInvitation.objects.filter(patient=patient)
        assert invitation.created_by == frank
        sent_by = AuditEvent.objects.get(action=AuditAction.PORTAL_INVITATION_SENT, patient=patient)
        assert sent_by.actor == frank
        book(frank, patient, at(MONDAY, 14))  # the invitation still open: not sent again
        assert PortalInvitation.objects.filter(patient=patient).count() == 1
        assert sent(patient) == ["booking_confirmed", "portal_invitation", "booking_confirmed"]

    def test_a_closed_portal_account_is_neither_asked_nor_reopened(self, frank: User, patient: Patient) -> None:
        accounts.close_account(actor=frank, account=patient_account(patient).patient_account)
        book(frank, patient, at(MONDAY, 10))
        assert sent(patient) == ["booking_confirmed"]
        assert not PortalInvitation.objects.filter(patient=patient, used_at=None).exists()

    def test_a_clinic_may_not_invite_on_booking(
        self, frank: User, patient: Patient, organization: Organization
    ) -> None:
        BookingPolicy.objects.create(organization=organization, invite_on_booking=False)
        book(frank, patient, at(MONDAY, 10))
        assert sent(patient) == ["booking_confirmed"] and not PortalInvitation.objects.exists()

    def test_without_consent_to_email_nothing_leaves(self, frank: User, organization: Organization) -> None:
        quiet = PatientFactory(organization=organization, email="quiet@example.com")
        record_consent(actor=frank, patient=quiet, kind=Consent.Kind.CONTACT, date=FRIDAY, allow_email=False)
        book(frank, quiet, at(MONDAY, 10))
        assert not PortalInvitation.objects.exists()  # no invitation made
        patient_account(quiet)
        book(frank, quiet, at(MONDAY, 14))
        assert mail.outbox == []
        statuses = Notification.objects.filter(patient=quiet).values_list("kind", "status")
        assert sorted(statuses) == [
            ("booking_confirmed", "skipped"),
            ("booking_confirmed", "skipped"),
            ("intake_due", "skipped"),
        ]

    def test_the_booking_page_links_to_the_address_it_was_used_at(
        self, client, frank: User, patient: Patient, location: Location
    ) -> None:
        login(client, frank)
        form = {
            "patient": str(patient.public_id),
            "practitioner": str(User.objects.get(username="tess").practitioner.public_id),
            "location": str(location.public_id),
            "appointment_type": str(AppointmentType.objects.get(code="follow-up-30").pk),
            "day": "2030-01-07",
            "start": "10:00",
        }
        with TestCase.captureOnCommitCallbacks(execute=True):
            r = client.post(reverse("scheduling:book"), form)
        assert r.status_code == 302
        assert "http://testserver/my/invite/" in mail.outbox[-1].body  # not FASCIA_BASE_URL's 127.0.0.1:8000


@pytest.mark.django_db(transaction=True)
def test_two_bookings_at_once_ask_for_the_intake_once(frank: User, patient: Patient) -> None:
    """Two desks book the same patient at the same moment: the patient's row lock lets one ask."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's row locks")
    patient_account(patient)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def desk(hour: int) -> None:
        try:
            barrier.wait()
            book(frank, patient, at(MONDAY, hour))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(hour,)) for hour in (10, 14)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(sent(patient)) == ["booking_confirmed", "booking_confirmed", "intake_due"]


class TestInThePatientsLanguage:
    def test_a_spanish_speaking_patients_confirmation_is_rendered_in_spanish(
        self, frank: User, patient: Patient, organization: Organization
    ) -> None:
        patient_account(patient)
        intake_sent(patient)
        patient.preferred_language = "es"
        patient.save()
        english = PatientFactory(organization=organization, email="en@example.com")
        record_consent(actor=frank, patient=english, kind=Consent.Kind.CONTACT, date=FRIDAY, allow_email=True)
        mail.outbox.clear()
        book(frank, patient, at(date(2030, 12, 9), 10))
        book(frank, english, at(date(2030, 12, 9), 11))
        spanish_mail = mail.outbox[0]
        assert "diciembre" in spanish_mail.body and "December" not in spanish_mail.body
        assert "dic" in spanish_mail.subject.lower()
        assert "December" in mail.outbox[1].body
