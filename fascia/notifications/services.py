"""The notification seam: render a message from its template files, check consent, queue it, deliver it once.

A message is queued in the caller's transaction and handed to the worker only after that transaction
commits, so no message ever leaves for a change that was rolled back. Delivery claims the message
first, so a task run twice never sends it twice.
"""

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.notifications.models import Notification
from fascia.notifications.transports import TRANSPORTS

# How each kind of recipient whose messages need their consent says yes to a channel: (recipient, channel) ->
# allowed. The patients app registers the patient's (`register_consent`), so this app imports no clinical app.
# Such a recipient is the notification's patient.
_CONSENT: dict[type[models.Model], Callable[[Any, str], bool]] = {}


def register_consent(model: type[models.Model], allows: Callable[[Any, str], bool]) -> None:
    """Messages to `model` rows (patients) leave only when `allows(recipient, channel)` says so."""
    _CONSENT[model] = allows


def language_of(recipient: Any) -> str | None:
    """The language a recipient reads their messages in: a patient's `preferred_language`, else the clinic's
    (LANGUAGE_CODE); None for a recipient without one (staff: the active language, English)."""
    if not hasattr(recipient, "preferred_language"):
        return None
    return recipient.preferred_language or settings.LANGUAGE_CODE


def render(kind: str, context: dict[str, Any], *, language: str | None = None) -> tuple[str, str, str]:
    """The subject (one line), text body and HTML body ("" without a .html template) of a message, in `language`
    (its words and its dates' month and day names) when given."""
    if language is not None:
        with translation.override(language):
            return render(kind, context)
    subject = " ".join(render_to_string(f"notifications/{kind}.subject.txt", context).split())
    body = render_to_string(f"notifications/{kind}.txt", context)
    html: str
    try:
        html = render_to_string(f"notifications/{kind}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return subject, body, html


@transaction.atomic
def send(
    *,
    kind: str,
    recipient: Any,
    about: models.Model,
    action: str,
    context: dict[str, Any],
    channel: str = Notification.Channel.EMAIL,
    cc: Sequence[str] = (),
    attachments: Sequence[dict[str, str]] = (),
    detail: dict[str, Any] | None = None,
) -> Notification:
    """Queue the `kind` message to `recipient` (a Patient or a staff User) about the record `about`.

    A patient gets it only with consent for the channel and an address on it; otherwise it is kept as
    skipped, with the reason, and audited. `action` is the audit action recorded when it leaves. A recipient with
    a `preferred_language` (a patient) reads it in that language (language_of).
    """
    transport = TRANSPORTS[channel]
    allows = _CONSENT.get(type(recipient))
    patient = recipient if allows is not None else None
    address = transport.address(recipient)
    notification = Notification(
        organization_id=recipient.organization_id,
        patient=patient,
        kind=kind,
        channel=channel,
        to=[address] if address else [],
        cc=list(cc),
        target_type=ContentType.objects.get_for_model(about),
        target_id=about.pk,
        audit_action=action,
        audit_detail=detail or {},
    )
    if allows is not None and not allows(recipient, channel):
        reason = f"no consent to {notification.get_channel_display().lower()}"
    elif not address:
        reason = f"no {notification.get_channel_display().lower()} address"
    else:
        reason = ""
    if reason:
        notification.status, notification.reason = Notification.Status.SKIPPED, reason
        notification.save(force_insert=True)
        audit.record(
            actor=None,
            action=AuditAction.NOTIFICATION_SKIPPED,
            target=about,
            patient=patient,
            detail=_detail(notification),
        )
        return notification
    notification.subject, notification.body, notification.html = render(kind, context, language=language_of(recipient))
    notification.attachments = list(attachments)
    notification.save(force_insert=True)
    transaction.on_commit(partial(deliver.enqueue, notification.pk))
    return notification


@task()
def deliver(notification_id: int) -> bool:
    """Send a queued notification through its channel's transport; False when it is not queued (any more).

    A background task, run by `fascia db_worker` (or at once, with the immediate backend).

    The claim (queued -> sending) commits before the message leaves: a second run finds nothing to
    send, and a worker that dies mid-send leaves it "sending" rather than sending it again.
    """
    claimed = Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED).update(
        status=Notification.Status.SENDING
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("patient").get(pk=notification_id)
    try:
        TRANSPORTS[notification.channel].deliver(notification)
    except Exception as error:
        _finish(notification, Notification.Status.FAILED, reason=f"{type(error).__name__}: {error}"[:200])
        raise
    _finish(notification, Notification.Status.SENT)
    return True


@transaction.atomic
def _finish(notification: Notification, status: str, *, reason: str = "") -> None:
    notification.status, notification.reason = status, reason
    if status == Notification.Status.SENT:
        notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "reason", "sent_at"])
    audit.record(
        actor=None,
        action=notification.audit_action if status == Notification.Status.SENT else AuditAction.NOTIFICATION_FAILED,
        target=notification.target,
        patient=notification.patient,
        detail={**notification.audit_detail, **_detail(notification)},
    )


def _detail(notification: Notification) -> dict[str, Any]:
    detail = {"notification": str(notification.public_id), "kind": notification.kind, "channel": notification.channel}
    if notification.reason:
        detail["reason"] = notification.reason
    return detail
