from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from fascia.core.validators import PlausibleDate
from fascia.evaluations import structure
from fascia.evaluations.catalog import RED_FLAGS
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.practitioners.models import Practitioner
from fascia.records.models import RecordAddendum, SignedRecord

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]


class Evaluation(SignedRecord):
    """A full evaluation: the baseline the plan, every visit and every claim are measured against.

    Drafts are edited freely; once signed it is locked and changes only through addenda.
    """

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial evaluation"
        RE_EVALUATION = "re-evaluation", "Re-evaluation"
        DISCHARGE = "discharge", "Discharge evaluation"

    class Onset(models.TextChoices):
        BLANK = "", "Not recorded"
        SPORTS = "sports-injury", "Sports injury"
        WORK = "work-injury", "Work injury"
        MOTOR_VEHICLE = "motor-vehicle-accident", "Motor-vehicle accident"
        POST_SURGICAL = "post-surgical", "Post-surgical"
        INSIDIOUS = "insidious", "Gradual, no clear cause"
        OTHER = "other", "Other"

    class Prognosis(models.TextChoices):
        BLANK = "", "Not recorded"
        EXCELLENT = "excellent", "Excellent"
        GOOD = "good", "Good"
        FAIR = "fair", "Fair"
        GUARDED = "guarded", "Guarded"
        POOR = "poor", "Poor"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="evaluations")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="evaluations")
    # Not columns: what evaluations_of() sets on the chart's evaluations, its diagnoses' codes and its scores.
    codes: list[str]
    scores: dict[str, float]
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INITIAL)
    evaluated_on = models.DateField(validators=[PlausibleDate()])
    # Subjective
    chief_complaint = models.CharField(max_length=200, blank=True)
    history = models.TextField("history of the present condition", blank=True)
    onset = models.CharField("onset and mechanism", max_length=24, choices=Onset.choices, blank=True)
    injury_date = models.DateField("date of injury or onset", null=True, blank=True, validators=[PlausibleDate()])
    aggravating = models.CharField("aggravating factors", max_length=300, blank=True)
    easing = models.CharField("easing factors", max_length=300, blank=True)
    prior_treatment = models.CharField(max_length=300, blank=True)
    patient_goals = models.TextField("the patient's own goals", blank=True)
    red_flags = models.JSONField(default=list, blank=True, help_text="Codes of the red flags answered yes")
    red_flag_notes = models.CharField(max_length=300, blank=True)
    # Pain
    nprs_now = models.PositiveSmallIntegerField("pain now (0-10)", null=True, blank=True, validators=PAIN_SCALE)
    nprs_best = models.PositiveSmallIntegerField("pain at best (0-10)", null=True, blank=True, validators=PAIN_SCALE)
    nprs_worst = models.PositiveSmallIntegerField("pain at worst (0-10)", null=True, blank=True, validators=PAIN_SCALE)
    body_marks = models.JSONField(default=list, blank=True)
    # Objective
    posture = models.TextField("posture observations", blank=True)
    palpation = models.JSONField(default=list, blank=True)
    rom = models.JSONField("range of motion", default=list, blank=True)
    special_tests = models.JSONField(default=list, blank=True)
    # Assessment
    impression = models.TextField("clinical impression", blank=True)
    prognosis = models.CharField(max_length=10, choices=Prognosis.choices, blank=True)
    prognosis_notes = models.CharField(max_length=300, blank=True)
    precautions = models.TextField("contraindications and precautions found", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    measures: models.ManyToManyField[MeasureResult, "EvaluationMeasure"] = models.ManyToManyField(
        MeasureResult, through="EvaluationMeasure", related_name="evaluations"
    )

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        permissions = [("sign_evaluation", "Sign evaluations")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.evaluated_on:%Y-%m-%d}"

    @property
    def positive_red_flags(self) -> list[str]:
        return [RED_FLAGS[code] for code in self.red_flags if code in RED_FLAGS]

    def clean(self) -> None:
        errors = {}
        checks = {
            "body_marks": structure.body_marks,
            "palpation": structure.palpation,
            "rom": structure.range_of_motion,
            "special_tests": structure.special_tests,
        }
        for field, check in checks.items():
            try:
                setattr(self, field, check(getattr(self, field)))
            except ValueError as e:
                errors[field] = str(e)
        unknown = [code for code in self.red_flags if code not in RED_FLAGS]
        if unknown:
            errors["red_flags"] = f"Unknown red flag(s): {', '.join(map(str, unknown))}."
        if self.nprs_best is not None and self.nprs_worst is not None and self.nprs_best > self.nprs_worst:
            errors["nprs_best"] = "Pain at best cannot be higher than pain at worst."
        if self.injury_date and self.evaluated_on and self.injury_date > self.evaluated_on:
            errors["injury_date"] = "The date of injury cannot be after the evaluation."
        if errors:
            raise ValidationError(errors)


class Diagnosis(models.Model):
    """An ICD-10-CM diagnosis of an evaluation; rank 1 is the primary."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="diagnoses")
    rank = models.PositiveSmallIntegerField()
    code = models.CharField("ICD-10-CM code", max_length=8)
    description = models.CharField(max_length=250)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "rank"], name="diagnosis_rank_unique"),
            models.UniqueConstraint(fields=["evaluation", "code"], name="diagnosis_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class EvaluationMeasure(models.Model):
    """An outcome measure taken at an evaluation. The evaluation owns the link, so measures (a lower app) knows
    nothing of evaluations; a result belongs to one evaluation at most."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    result = models.OneToOneField(MeasureResult, on_delete=models.PROTECT, related_name="evaluation_link")

    def __str__(self) -> str:
        return f"{self.result} at evaluation {self.evaluation_id}"


class Addendum(RecordAddendum):
    """A dated correction or addition to a signed evaluation, by its signer or an admin."""

    record_field = "evaluation"
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="addenda")

    class Meta(RecordAddendum.Meta):
        verbose_name_plural = "addenda"


class RedFlagClearance(models.Model):
    """What a practitioner did about a red flag an evaluation raised: referred the patient (to whom, when) or
    had treatment cleared (by whom, when). Until one is recorded, a red flag that needs it holds the plan's
    activation and the signing of notes (fascia.techniques.facts.RED_FLAGS[...].needs_clearance)."""

    class Kind(models.TextChoices):
        REFERRED = "referred", "Referred"
        CLEARED = "cleared", "Cleared for treatment"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="clearances")
    flag = models.CharField("red flag", max_length=24, choices=list(RED_FLAGS.items()))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    provider = models.CharField("referred to or cleared by", max_length=200)
    decided_on = models.DateField("date")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_flag_display()}: {self.get_kind_display().lower()} ({self.provider}, {self.decided_on})"
