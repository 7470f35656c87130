from datetime import date, timedelta
from io import StringIO
from socket import socket

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Location, User
from fascia.notifications.models import Notification
from fascia.notifications.services import deliver, send
from fascia.patients import services as patient_services
from fascia.patients.models import Consent, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, AppointmentType
from fascia.scheduling.services import book_appointment


@pytest.fixture
def appointment(ada: User, tess: User, location: Location) -> callable:
    def make(patient: Patient, hours_ahead: float = 20) -> Appointment:
        return book_appointment(
            actor=ada,
            patient=patient,
            practitioner=tess.practitioner,
            location=location,
            appointment_type=AppointmentType.objects.get(code="follow-up-30"),
            start_at=timezone.now() + timedelta(hours=hours_ahead),
            override=True,
        )

    return make


def patient(frank: User, location: Location, *, allow_email: bool | None, email: str = "ivy@example.com") -> Patient:
    """A patient whose latest contact preferences allow email, refuse it, or (None) were never recorded."""
    person = PatientFactory(organization=location.organization, email=email, given_name="Ivy", preferred_name="")
    if allow_email is not None:
        patient_services.record_consent(
            actor=frank, patient=person, kind=Consent.Kind.CONTACT, date=date(2026, 1, 5), allow_email=allow_email
        )
    return person


def send_reminders() -> str:
    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send_reminders", stdout=out)
    return out.getvalue()


def queue_reminder(booked: Appointment) -> Notification:
    return send(
        kind="appointment_reminder",
        recipient=booked.patient,
        about=booked,
        action=AuditAction.REMINDER_SENT,
        context={"appointment": booked, "patient": booked.patient, "where": "here"},
    )


class TestReminderThroughTheSeam:
    def test_it_sends_the_template_text_and_audits_the_send(self, frank: User, location: Location, appointment) -> None:
        ivy = patient(frank, location, allow_email=True)
        booked = appointment(ivy)
        send_reminders()
        (message,) = mail.outbox
        start = timezone.localtime(booked.start_at)
        assert message.subject == f"Appointment reminder: {start:%a %b} {start.day}, {start:%H:%M}"
        assert message.body.startswith(
            f"Hello Ivy,\n\nThis is a reminder of your appointment with {booked.practitioner} on "
            f"{start:%A, %B} {start.day} at {start:%H:%M}, at Main Street Clinic.\n\n"
        )
        notification = Notification.objects.get()
        assert (notification.kind, notification.status, notification.to) == (
            "appointment_reminder",
            Notification.Status.SENT,
            ["ivy@example.com"],
        )
        assert notification.body == message.body and notification.sent_at is not None
        event = AuditEvent.objects.get(action=AuditAction.REMINDER_SENT)
        assert event.actor is None and event.patient == ivy and event.target_id == str(booked.public_id)
        assert event.detail == {
            "notification": str(notification.public_id),
            "kind": "appointment_reminder",
            "channel": "email",
        }

    def test_each_send_is_audited_once(self, frank: User, location: Location, appointment) -> None:
        for hours_ahead, address in ((5, "a@example.com"), (6, "b@example.com")):
            appointment(patient(frank, location, allow_email=True, email=address), hours_ahead)
        send_reminders()
        send_reminders()
        assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]
        assert AuditEvent.objects.filter(action=AuditAction.REMINDER_SENT).count() == 2


class TestConsent:
    @pytest.mark.parametrize("allow_email", [False, None], ids=["declined", "never-asked"])
    def test_no_consent_no_email_and_the_audit_says_so(
        self, frank: User, location: Location, appointment, allow_email: bool | None
    ) -> None:
        ivy = patient(frank, location, allow_email=allow_email)
        booked = appointment(ivy)
        assert send_reminders() == "0 reminder(s) sent; 1 skipped (no email consent or address).\n"
        assert mail.outbox == []
        notification = Notification.objects.get()
        assert (notification.status, notification.reason) == (Notification.Status.SKIPPED, "no consent to email")
        assert notification.body == ""  # nothing is written for a message that is withheld
        event = AuditEvent.objects.get(action=AuditAction.NOTIFICATION_SKIPPED)
        assert event.patient == ivy and event.target_id == str(booked.public_id)
        assert event.detail["reason"] == "no consent to email"
        assert not AuditEvent.objects.filter(action=AuditAction.REMINDER_SENT).exists()

    def test_a_patient_without_an_address_is_skipped(self, frank: User, location: Location, appointment) -> None:
        appointment(patient(frank, location, allow_email=True, email=""))
        send_reminders()
        assert mail.outbox == []
        assert Notification.objects.get().reason == "no email address"

    def test_the_latest_consent_counts(self, frank: User, location: Location, appointment) -> None:
        ivy = patient(frank, location, allow_email=True)
        patient_services.record_consent(
            actor=frank, patient=ivy, kind=Consent.Kind.CONTACT, date=date(2026, 2, 1), allow_email=False
        )
        appointment(ivy)
        send_reminders()
        assert mail.outbox == []


class TestDelivery:
    def test_nothing_leaves_when_the_queuing_transaction_rolls_back(
        self, frank: User, location: Location, appointment
    ) -> None:
        booked = appointment(patient(frank, location, allow_email=True))
        with (
            TestCase.captureOnCommitCallbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            queue_reminder(booked)
            raise RuntimeError("the caller's change failed")
        assert callbacks == [] and mail.outbox == [] and not Notification.objects.exists()

    def test_a_notification_is_delivered_once(self, ada: User, frank: User, location: Location, appointment) -> None:
        booked = appointment(patient(frank, location, allow_email=True))
        # Queued; its on-commit delivery never runs inside the test's transaction.
        notification = queue_reminder(booked)
        assert deliver.call(notification.pk) is True
        assert deliver.call(notification.pk) is False
        assert len(mail.outbox) == 1

    def test_a_failed_send_is_kept_and_audited(self, settings, frank: User, location: Location, appointment) -> None:
        with socket() as probe:  # a local port nobody listens on: the mail server is down
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
        booked = appointment(patient(frank, location, allow_email=True))
        notification = queue_reminder(booked)
        with pytest.raises(OSError):
            deliver.call(notification.pk)
        notification.refresh_from_db()
        assert notification.status == Notification.Status.FAILED and notification.reason.startswith("Connection")
        event = AuditEvent.objects.get(action=AuditAction.NOTIFICATION_FAILED)
        assert event.target_id == str(booked.public_id) and event.detail["reason"] == notification.reason
        assert not AuditEvent.objects.filter(action=AuditAction.REMINDER_SENT).exists()


@pytest.mark.django_db(transaction=True)
class TestWorker:
    """The database backend queues the work; `fascia db_worker` runs it, as in production."""

    @pytest.fixture(autouse=True)
    def _database_backend(self, settings) -> None:
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def run_worker(self) -> None:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    def test_a_reminder_queued_by_cron_is_sent_once_by_the_worker(
        self, frank: User, location: Location, appointment
    ) -> None:
        appointment(patient(frank, location, allow_email=True))
        call_command("send_reminders", stdout=StringIO())
        assert mail.outbox == [] and Notification.objects.get().status == Notification.Status.QUEUED
        assert DBTaskResult.objects.count() == 1
        self.run_worker()
        assert len(mail.outbox) == 1 and Notification.objects.get().status == Notification.Status.SENT
        call_command("send_reminders", stdout=StringIO())
        self.run_worker()
        assert len(mail.outbox) == 1
        assert AuditEvent.objects.filter(action=AuditAction.REMINDER_SENT).count() == 1
        assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}

    def test_the_whole_job_can_be_left_to_the_worker(self, frank: User, location: Location, appointment) -> None:
        appointment(patient(frank, location, allow_email=True))
        out = StringIO()
        call_command("send_reminders", "--enqueue", stdout=out)
        assert out.getvalue().startswith("Queued as task ") and mail.outbox == []
        self.run_worker()  # runs the job, then the delivery it queued
        self.run_worker()
        assert len(mail.outbox) == 1 and DBTaskResult.objects.count() == 2
