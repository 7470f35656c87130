"""Appointment reminders by email with a calendar attachment, through the notification seam."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from fascia.audit.models import AuditAction
from fascia.lib.ics import Event, calendar
from fascia.notifications.models import Notification
from fascia.notifications.services import send
from fascia.scheduling.models import Appointment


def reminder_lead() -> timedelta:
    """How long before an appointment its reminder goes out."""
    return timedelta(hours=settings.REMINDER_HOURS)


def due(now: datetime) -> list[Appointment]:
    window_end = now + reminder_lead()
    return list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True, start_at__gt=now, start_at__lte=window_end
        ).select_related("patient", "practitioner__user", "location")
    )


def _where(appointment: Appointment) -> str:
    location = appointment.location
    return ", ".join([location.name, *location.address_lines])


def _calendar(appointments: list[Appointment], now: datetime) -> list[dict[str, str]]:
    """The visits' calendar file, one event each, as an attachment."""
    events = [
        Event(
            uid=f"{a.public_id}@fascia",
            start=a.start_at,
            end=a.end_at,
            summary=f"Massage therapy with {a.practitioner}",
            location=_where(a),
        )
        for a in appointments
    ]
    return [{"name": "appointment.ics", "content": calendar(events, stamp=now), "mimetype": "text/calendar"}]


def _remind(appointment: Appointment, now: datetime) -> Notification:
    return send(
        kind="appointment_reminder",
        recipient=appointment.patient,
        about=appointment,
        action=AuditAction.REMINDER_SENT,
        context={"appointment": appointment, "patient": appointment.patient, "where": _where(appointment)},
        attachments=_calendar([appointment], now),
    )


# What the patient hears after a visit is booked, moved or cancelled, by the clinic or by them in the portal:
# (message kind, audit action when it leaves).
CHANGES = {
    "booked": ("booking_confirmed", AuditAction.BOOKING_CONFIRMATION_SENT),
    "moved": ("booking_changed", AuditAction.BOOKING_CHANGE_SENT),
    "cancelled": ("booking_cancelled", AuditAction.BOOKING_CANCELLATION_SENT),
}


def tell_patient(appointment: Appointment, change: str) -> Notification:
    """Email the patient that their visit was booked, moved or cancelled (`change`), by the clinic or by themselves
    in the portal, with the visit's calendar file unless cancelled; queued in the caller's transaction, with their
    consent to email."""
    kind, action = CHANGES[change]
    return send(
        kind=kind,
        recipient=appointment.patient,
        about=appointment,
        action=action,
        context={"appointment": appointment, "patient": appointment.patient, "where": _where(appointment)},
        attachments=[] if change == "cancelled" else _calendar([appointment], timezone.now()),
    )


def tell_series(appointments: list[Appointment]) -> Notification:
    """Email the patient one confirmation of a series of visits (same type, practitioner and place), listing its
    dates, with one calendar file holding them all; about the first visit."""
    first = appointments[0]
    kind, action = CHANGES["booked"]
    return send(
        kind=kind,
        recipient=first.patient,
        about=first,
        action=action,
        context={"appointment": first, "series": appointments, "patient": first.patient, "where": _where(first)},
        attachments=_calendar(appointments, timezone.now()),
        detail={"series": len(appointments)},
    )


@task()
def send_due_reminders() -> tuple[int, int]:
    """Queue each due reminder once. Returns (queued, skipped because the patient declined email).

    Each reminder is claimed by a conditional UPDATE in the transaction that queues it, so two runs
    at once (cron overlapping itself) never queue the same reminder twice.
    """
    now = timezone.now()
    sent = skipped = 0
    for appointment in due(now):
        with transaction.atomic():
            claimed = Appointment.objects.filter(pk=appointment.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if not claimed:
                continue
            notification = _remind(appointment, now)
        if notification.status == Notification.Status.SKIPPED:
            skipped += 1
        else:
            sent += 1
    return sent, skipped
