from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from fascia.core.validators import PlausibleDate
from fascia.evaluations import structure
from fascia.measures.models import MeasureResult
from fascia.patients.models import BodyRegion, Patient
from fascia.practitioners.models import Practitioner
from fascia.records.models import RecordAddendum, SignedRecord
from fascia.techniques.facts import LOCAL_FINDINGS
from fascia.techniques.models import Technique
from fascia.techniques.queries import SYMPTOMS

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]
MAX_MINUTES = 240  # no single visit runs longer than the longest appointment type


# Notes signed before findings carried a region may hold this symptom: kept as recorded (their seal vouches for it),
# shown, and not screened. A draft's was moved to its objective findings (migration 0005_local_findings).
LEGACY_OPEN_WOUND = "open-wound"


def local_findings(rows: object) -> list[dict[str, str]]:
    """Today's local findings, checked: each a finding of facts.LOCAL_FINDINGS on a treatment region
    (ValueError naming the first that is not)."""
    if not isinstance(rows, list):
        raise ValueError("Local findings are a list of {finding, region}.")
    clean = []
    for row in rows:
        finding, region = (row.get("finding"), row.get("region")) if isinstance(row, dict) else (row, None)
        if finding not in LOCAL_FINDINGS:
            raise ValueError(f"Unknown finding {finding!r}: one of {', '.join(LOCAL_FINDINGS)}.")
        if not region:
            raise ValueError(f"Give the region of the {LOCAL_FINDINGS[finding].lower()}.")
        if region not in BodyRegion.values:
            raise ValueError(f"Unknown region {region!r} for the {LOCAL_FINDINGS[finding].lower()}.")
        clean.append({"finding": finding, "region": region})
    return clean


class VisitNote(SignedRecord):
    """The SOAP note of one visit. Drafts change freely; signing locks it, after which only
    dated addenda are added."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow-up", "Treatment note"
        PROGRESS = "progress", "Progress note"
        DISCHARGE = "discharge", "Discharge summary"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visit_notes")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="visit_notes")
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="note"
    )
    plan = models.ForeignKey(
        "plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="visit_notes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FOLLOW_UP)
    visited_on = models.DateField("date of visit", validators=[PlausibleDate(years_ahead=1)])
    # S
    subjective = models.TextField("patient report since the last visit", blank=True)
    nprs_before = models.PositiveSmallIntegerField(
        "pain before treatment (0-10)", null=True, blank=True, validators=PAIN_SCALE
    )
    health_changes = models.TextField("changes in medication or health", blank=True)
    symptoms = models.JSONField("today's symptoms", default=list, blank=True, help_text="Screened against techniques")
    local_findings = models.JSONField(
        "today's local findings",
        default=list,
        blank=True,
        help_text="[{finding, region}]: an open wound, sutures, a bruise, a rash or a burn, each on its region",
    )
    # O
    findings = models.JSONField("findings by region", default=list, blank=True)
    rom = models.JSONField("range of motion re-measured", default=list, blank=True)
    objective = models.TextField("other findings", blank=True)
    # A
    response = models.TextField("response to treatment", blank=True)
    nprs_after = models.PositiveSmallIntegerField(
        "pain after treatment (0-10)", null=True, blank=True, validators=PAIN_SCALE
    )
    goal_progress = models.JSONField(default=list, blank=True, help_text="[{goal, status, note}] for the plan's goals")
    assessment = models.TextField("assessment", blank=True)
    # P
    next_visit = models.CharField("next visit", max_length=200, blank=True)
    plan_changes = models.TextField("changes to the plan", blank=True)
    home_care = models.TextField("home care given", blank=True)
    recommendations = models.TextField("recommendations (discharge)", blank=True)
    # Where the prefilled parts came from, so the form can mark them until the practitioner edits them.
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    copied_fields = models.JSONField(default=list, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    measures: models.ManyToManyField[MeasureResult, "NoteMeasure"] = models.ManyToManyField(
        MeasureResult, through="NoteMeasure", related_name="visit_notes"
    )

    class Meta:
        ordering = ["-visited_on", "-id"]
        permissions = [("sign_visitnote", "Sign visit notes")]
        indexes = [
            models.Index(fields=["patient", "visited_on"], name="visitnote_patient_day"),
            # A practitioner's drafts ("My day") out of the tens of thousands of notes they signed.
            models.Index(
                fields=["practitioner", "visited_on"], condition=models.Q(status="draft"), name="visitnote_draft"
            ),
            # The practice dashboard counts a range's signed notes out of the clinic's ten years of them.
            models.Index(fields=["visited_on"], condition=models.Q(status="signed"), name="visitnote_signed_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on:%Y-%m-%d}"

    @property
    def symptom_labels(self) -> list[str]:
        return [SYMPTOMS.get(code, code) for code in self.symptoms]

    @property
    def is_report(self) -> bool:
        """A progress note or a discharge summary: what the referring provider is sent."""
        return self.kind != self.Kind.FOLLOW_UP

    @property
    def is_discharge(self) -> bool:
        return self.kind == self.Kind.DISCHARGE

    def clean(self) -> None:
        errors = {}
        for field, check in {"findings": structure.palpation, "rom": structure.range_of_motion}.items():
            try:
                setattr(self, field, check(getattr(self, field)))
            except ValueError as e:
                errors[field] = str(e)
        if LEGACY_OPEN_WOUND in self.symptoms:
            errors["symptoms"] = "An open wound is a local finding: record it under today's findings, with its region."
        elif unknown := [s for s in self.symptoms if s not in SYMPTOMS]:
            errors["symptoms"] = f"Unknown symptom(s): {', '.join(map(str, unknown))}."
        try:
            self.local_findings = local_findings(self.local_findings)
        except ValueError as e:
            errors["local_findings"] = str(e)
        if errors:
            raise ValidationError(errors)


class VisitTechnique(models.Model):
    """A technique performed at the visit, with the minutes that billing turns into units."""

    class Pressure(models.TextChoices):
        LIGHT = "light", "Light"
        MODERATE = "moderate", "Moderate"
        FIRM = "firm", "Firm"
        DEEP = "deep", "Deep"

    class Position(models.TextChoices):
        PRONE = "prone", "Prone"
        SUPINE = "supine", "Supine"
        SIDE_LYING = "side-lying", "Side-lying"
        SEATED = "seated", "Seated"
        SEMI_RECLINED = "semi-reclined", "Semi-reclined"

    note = models.ForeignKey(VisitNote, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    # Catalogs became per organization (techniques migration 0005): a signed row moved to its organization's own
    # copy of a technique keeps the id its signature vouched for, which its seal still hashes (queries.note_content).
    former_technique_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    region = models.CharField(max_length=20, choices=BodyRegion.choices)
    minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES)]
    )
    pressure = models.CharField(max_length=10, choices=Pressure.choices, blank=True)
    position = models.CharField(max_length=14, choices=Position.choices, blank=True)
    response = models.CharField("patient's response", max_length=200, blank=True)
    screening_level = models.CharField(max_length=10, blank=True, help_text="The worst finding; blank when none")
    findings = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.technique} — {self.get_region_display()}"


class NoteMeasure(models.Model):
    """An outcome measure re-taken at a visit. The note owns the link, so measures (a lower app) knows nothing
    of visits; a result belongs to one note at most."""

    note = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="+")
    result = models.OneToOneField(MeasureResult, on_delete=models.PROTECT, related_name="note_link")

    def __str__(self) -> str:
        return f"{self.result} at note {self.note_id}"


class NoteAddendum(RecordAddendum):
    """A dated correction or addition to a signed note, by its signer or an admin."""

    record_field = "note"
    note = models.ForeignKey(VisitNote, on_delete=models.PROTECT, related_name="addenda")

    class Meta(RecordAddendum.Meta):
        verbose_name_plural = "note addenda"
