from typing import ClassVar
from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone

from fascia.core.models import Organization, TimestampedModel
from fascia.patients.models import Patient


class SignedRecord(TimestampedModel):
    """A clinical record that is signed once and never edited again (evaluations, visit notes, progress
    notes and discharge summaries): a draft changes freely; signing locks and seals it; corrections are
    dated addenda (a `RecordAddendum` subclass whose link to the record is named `addenda`).

    Every write to its lifecycle goes through `fascia.records.lifecycle`.
    """

    patient: Patient  # each subclass's own link to the patient whose chain seals it

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def is_locked(self) -> bool:
        """Anything but a draft is locked: it changes only through addenda."""
        return self.status != self.Status.DRAFT


class RecordAddendum(TimestampedModel):
    """A dated correction or addition to a signed record, by its signer or an admin."""

    record_field: ClassVar[str]  # the name of the subclass's link to its signed record

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{str(self._meta.verbose_name).capitalize()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class Seal(models.Model):
    """One link of an organization's tamper-evident chain: the HMAC-SHA256, with the records key
    (settings.RECORDS_KEY, kept outside the database), of a signed record's content together with the
    organization's previous seal.

    Rows are only ever added (`fascia.records.chain.seal`; on PostgreSQL a trigger refuses UPDATE and
    DELETE); `verify` recomputes every seal, and `verify_records --head` compares the chain with a head
    exported outside the database.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="seals")
    sequence = models.PositiveIntegerField(help_text="The seal's place in its organization's chain, from 1")
    kind = models.CharField(max_length=24)
    record_id = models.UUIDField(help_text="The public id of the sealed record")
    record_label = models.CharField(max_length=200)
    previous_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["organization", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sequence"], name="seal_organization_sequence_unique"),
            models.UniqueConstraint(fields=["kind", "record_id"], name="seal_record_unique"),
        ]

    def __str__(self) -> str:
        return f"Seal {self.sequence} of {self.record_label}"
