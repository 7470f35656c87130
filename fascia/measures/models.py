from uuid import uuid4

from django.conf import settings
from django.db import models

from fascia.core.models import TimestampedModel
from fascia.measures.instruments import INSTRUMENTS
from fascia.patients.models import Patient, PatientLink


class MeasureResult(TimestampedModel):
    """One administration of an outcome instrument: the responses as given and the score they make."""

    class Source(models.TextChoices):
        STAFF = "staff", "Entered by staff"
        PATIENT = "patient", "Answered by the patient"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measure_results")
    instrument = models.CharField(max_length=12, choices=[(code, i.name) for code, i in INSTRUMENTS.items()])
    administered_on = models.DateField()
    responses = models.JSONField(help_text="One response per item in item order; null = unanswered")
    activities = models.JSONField(default=list, blank=True, help_text="PSFS: the activities the patient named")
    value = models.FloatField()
    band = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    # Null when the patient answered (through a questionnaire link: no account of theirs is a user).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-administered_on", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "administered_on"], name="measure_patient_instr")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source="patient") | models.Q(entered_by__isnull=False), name="measure_entered_by"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.value:g} on {self.administered_on:%Y-%m-%d}"


class InstrumentWording(TimestampedModel):
    """The full item wording of an instrument, loaded by a clinic that holds the licence to use it.

    Fascia ships only its own short labels; see `fascia load_instrument_wording`.
    """

    instrument = models.CharField(max_length=12, unique=True, choices=[(c, i.name) for c, i in INSTRUMENTS.items()])
    items = models.JSONField(help_text="One text per item, in item order")
    licence = models.CharField(max_length=300, help_text="Who licensed the wording to the clinic, and how")

    def __str__(self) -> str:
        return f"{self.instrument} wording ({self.licence})"


class QuestionnaireLink(PatientLink):
    """A single-purpose link that lets a patient answer one instrument once, without an account."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="questionnaire_links")
    instrument = models.CharField(max_length=12, choices=[(c, i.name) for c, i in INSTRUMENTS.items()])
    result = models.OneToOneField(
        MeasureResult, on_delete=models.PROTECT, null=True, blank=True, related_name="questionnaire_link"
    )
    # Null when the scheduler sends it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.instrument} questionnaire link"
