"""Appointment reminders by email with a calendar attachment, honouring contact preferences."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.lib.ics import event
from fascia.patients.models import Consent, Patient
from fascia.scheduling.models import Appointment


def may_email(patient: Patient) -> bool:
    """The latest contact-preferences consent allows email, and there is an address."""
    latest = patient.consents.filter(kind=Consent.Kind.CONTACT).order_by("-date", "-id").first()
    return bool(patient.email) and latest is not None and latest.granted and latest.allow_email


def due(now: datetime) -> list[Appointment]:
    window_end = now + timedelta(hours=settings.REMINDER_HOURS)
    return list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True, start_at__gt=now, start_at__lte=window_end
        ).select_related("patient", "practitioner__user", "location")
    )


def _message(appointment: Appointment, now: datetime) -> EmailMessage:
    start = timezone.localtime(appointment.start_at)
    location = appointment.location
    where = ", ".join([location.name, *location.address_lines])
    body = (
        f"Hello {appointment.patient.preferred_name or appointment.patient.given_name},\n\n"
        f"This is a reminder of your appointment with {appointment.practitioner} on {start:%A, %B %d} at "
        f"{start:%H:%M}, at {where}.\n\nIf you cannot come, please call us"
        f"{f' at {location.phone}' if location.phone else ''} at least 24 hours before.\n"
    )
    message = EmailMessage(
        subject=f"Appointment reminder: {start:%a %b %d, %H:%M}", body=body, to=[appointment.patient.email]
    )
    message.attach(
        "appointment.ics",
        event(
            uid=f"{appointment.public_id}@fascia",
            start=appointment.start_at,
            end=appointment.end_at,
            summary=f"Massage therapy with {appointment.practitioner}",
            location=where,
            stamp=now,
        ),
        "text/calendar",
    )
    return message


def send_due_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Send each due reminder once. Returns (sent, skipped because the patient declined email).

    Each reminder is claimed by a conditional UPDATE before it is sent, so two runs at once
    (cron overlapping itself) never send the same reminder twice.
    """
    now = now or timezone.now()
    sent = skipped = 0
    for appointment in due(now):
        with transaction.atomic():
            claimed = Appointment.objects.filter(pk=appointment.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if not claimed:
                continue
            if not may_email(appointment.patient):
                skipped += 1
                continue
            _message(appointment, now).send()
            audit.record(actor=None, action=AuditAction.REMINDER_SENT, target=appointment, patient=appointment.patient)
            sent += 1
    return sent, skipped
