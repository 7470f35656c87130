from django.conf import settings
from django.db import models

from fascia.patients.models import Patient


class Seal(models.Model):
    """One link of a patient's tamper-evident chain: the SHA-256 of a signed record's content
    together with the hash of the patient's previous seal.

    Rows are only ever added (`fascia.records.chain.seal`); `verify` recomputes every hash.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="seals")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=24)
    record_id = models.UUIDField(help_text="The public id of the sealed record")
    record_label = models.CharField(max_length=200)
    previous_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(auto_now_add=True)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["patient", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "sequence"], name="seal_sequence_unique"),
            models.UniqueConstraint(fields=["kind", "record_id"], name="seal_record_unique"),
        ]

    def __str__(self) -> str:
        return f"Seal {self.sequence} of {self.record_label}"
