from uuid import uuid4

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Notification(models.Model):
    """One message to one person: what it said, to whom, about which record, and whether it left.

    The rendered message is kept so the worker delivers exactly what was queued, and so a send can be
    traced afterwards. The audit entry is written when the message leaves (or is withheld, or fails).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "core.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the recipient is a patient: the message is part of their record's audit trail.
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=64, help_text="The message template: templates/notifications/<kind>.*")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was not sent, or how it failed")
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, help_text='[{"name": …, "content": …, "mimetype": …}]')
    # The record the message is about (an appointment, a practitioner), and the audit action its sending records.
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    audit_action = models.CharField(max_length=64)
    audit_detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to {', '.join(self.to) or '(nobody)'}: {self.get_status_display()}"
