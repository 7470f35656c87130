from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from fascia.core.models import TimestampedModel
from fascia.evaluations.catalog import MOTIONS
from fascia.evaluations.models import Diagnosis, Evaluation
from fascia.measures import schedule
from fascia.measures.instruments import INSTRUMENTS
from fascia.patients.models import BodyRegion, Patient
from fascia.plans import adherence
from fascia.practitioners.models import Practitioner
from fascia.techniques.facts import PRESSURES
from fascia.techniques.models import Technique


class TreatmentPlan(TimestampedModel):
    """A plan of care. Drafts change in place; an active plan changes by a new version (revise),
    and the version it replaces is kept as superseded."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"
        SUPERSEDED = "superseded", "Superseded by a newer version"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="plans")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version", editable=False
    )
    start_date = models.DateField()
    visits_per_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)])
    duration_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    planned_visits = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(200)])
    re_evaluation_due = models.DateField("re-evaluation due", null=True, blank=True)
    # General home-care advice in words, beside the program's items (HomeCareItem): kept as written, never turned
    # into items, so a plan signed with it reads as it was signed.
    home_care = models.TextField(
        "general home-care advice",
        blank=True,
        help_text="Advice in words for the home-care sheet; exercises to do go in the home care program",
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        help_text="The referral or prescription this plan answers",
    )
    # Certification of the plan by the referring provider, when the payer requires it.
    certified_by = models.CharField("certified by (referring provider)", max_length=120, blank=True)
    certified_on = models.DateField("certification date", null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        ordering = ["-start_date", "-version", "-id"]
        permissions = [("activate_treatmentplan", "Activate, revise and end treatment plans")]
        # A practitioner's active plans ("My day") out of the thousands they wrote over the years.
        indexes = [
            models.Index(
                fields=["practitioner", "start_date"], condition=models.Q(status="active"), name="plan_active"
            ),
            # The practice dashboard's adherence reads the plans that ended in a range.
            models.Index(
                fields=["ended_at"], condition=models.Q(status__in=["completed", "discontinued"]), name="plan_ended"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan of care v{self.version} from {self.start_date:%Y-%m-%d}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def clean(self) -> None:
        errors = {}
        if self.re_evaluation_due and self.start_date and self.re_evaluation_due < self.start_date:
            errors["re_evaluation_due"] = "The re-evaluation cannot be due before the plan starts."
        if self.certified_on and not self.certified_by.strip():
            errors["certified_by"] = "Say who certified the plan."
        if errors:
            raise ValidationError(errors)


class Goal(models.Model):
    """A measurable goal: what is measured, from what baseline, to what target, by when."""

    class Term(models.TextChoices):
        SHORT = "short", "Short-term"
        LONG = "long", "Long-term"

    class Measure(models.TextChoices):
        INSTRUMENT = "instrument", "Outcome instrument"
        ROM = "rom", "Range of motion"
        FUNCTION = "function", "Functional goal"

    class Status(models.TextChoices):
        PROGRESSING = "progressing", "Progressing"
        MET = "met", "Met"
        NOT_PROGRESSING = "not-progressing", "Not progressing"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="goals")
    term = models.CharField(max_length=5, choices=Term.choices)
    measure = models.CharField(max_length=10, choices=Measure.choices)
    instrument = models.CharField(max_length=12, blank=True, choices=[(c, i.name) for c, i in INSTRUMENTS.items()])
    rom_motion = models.CharField(
        "motion",
        max_length=40,
        blank=True,
        choices=[(m.code, f"{m.joint} {m.motion.lower()}") for m in MOTIONS.values()],
    )
    rom_side = models.CharField("side", max_length=5, blank=True, choices=[("left", "Left"), ("right", "Right")])
    description = models.CharField(max_length=200, help_text="The goal in words, e.g. sit through a workday")
    baseline = models.FloatField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True, help_text="For functional goals: minutes, blocks, kg …")
    target_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROGRESSING)
    # What the goal addresses, among the plan's evaluation's diagnoses: blank only for rows older than the link
    # (the services require one at least).
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, related_name="+", help_text="The diagnoses it addresses")

    class Meta:
        ordering = ["term", "target_date", "id"]

    def __str__(self) -> str:
        return self.description


class PlannedTechnique(models.Model):
    """A technique on a body region, as screened when it was added to the plan."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=20, choices=BodyRegion.choices)
    # Screened with the technique: firm or deep pressure is deep work whatever the technique.
    pressure = models.CharField(max_length=10, choices=[(p, p.title()) for p in PRESSURES], blank=True)
    screening_level = models.CharField(max_length=10, blank=True, help_text="The worst finding; blank when none")
    findings = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=300, blank=True)
    # What the technique treats, among the plan's evaluation's diagnoses: a claim line for its code points at
    # these (NUCC 24E, REFERENCE.md §5a). Blank only for rows older than the link (the services require one).
    diagnoses = models.ManyToManyField(Diagnosis, blank=True, related_name="+", help_text="The diagnoses it treats")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "technique", "region"], name="planned_technique_unique")]

    def __str__(self) -> str:
        return f"{self.technique} — {self.get_region_display()}"


class Questionnaire(models.Model):
    """An outcome instrument the patient answers on the plan's timing (fascia.measures.schedule)."""

    class Rule(models.TextChoices):
        VISITS = schedule.Rule.VISITS.value, "Before every Nth visit"
        DAYS = schedule.Rule.DAYS.value, "Every N days"
        PROGRESS = schedule.Rule.PROGRESS.value, "At a progress report or re-evaluation"
        DISCHARGE = schedule.Rule.DISCHARGE.value, "At discharge"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="questionnaires")
    instrument = models.CharField(max_length=12, choices=[(c, i.name) for c, i in INSTRUMENTS.items()])
    rule = models.CharField(max_length=10, choices=Rule.choices)
    every = models.PositiveSmallIntegerField(
        "every N", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        ordering = ["instrument", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "instrument", "rule"], name="questionnaire_unique")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.describe()}"

    def describe(self) -> str:
        if self.rule == self.Rule.VISITS:
            return "before every visit" if self.every == 1 else f"before every {self.every} visits"
        if self.rule == self.Rule.DAYS:
            return f"every {self.every} days"
        return self.get_rule_display().lower()

    @property
    def timing(self) -> schedule.Timing:
        return schedule.Timing(schedule.Rule(self.rule), self.every)

    def clean(self) -> None:
        counted = self.rule in (self.Rule.VISITS, self.Rule.DAYS)
        if counted and not self.every:
            raise ValidationError({"every": "Say how many visits or days apart."})
        if not counted:
            self.every = None


def home_care_image_path(instance: models.Model, filename: str) -> str:
    # Never the uploader's file name: a random one, filed by month.
    return f"home-care/{timezone.now():%Y/%m}/{uuid4().hex}"


class HomeCareItem(models.Model):
    """One thing of the plan's home care program: what to do, how, and how often (times a day, days a week),
    with an optional picture. Part of the plan of care: it changes with a draft, and a new version copies it."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="home_care_items")
    name = models.CharField(max_length=120, help_text="e.g. Doorway pectoral stretch")
    instructions = models.TextField(max_length=2000, help_text="How to do it, in words the patient understands")
    times_per_day = models.PositiveSmallIntegerField(
        "times a day", default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    days_per_week = models.PositiveSmallIntegerField(
        "days a week", default=7, validators=[MinValueValidator(1), MaxValueValidator(7)], help_text="7 is daily"
    )
    image = models.FileField(upload_to=home_care_image_path, blank=True, editable=False)
    image_type = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_per_week__gte=1, days_per_week__lte=7), name="home_care_days_per_week"
            ),
            models.CheckConstraint(
                condition=models.Q(times_per_day__gte=1, times_per_day__lte=12), name="home_care_times_per_day"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def frequency(self) -> str:
        return adherence.frequency(self.times_per_day, self.days_per_week)


class HomeCareCheck(models.Model):
    """The patient did an item of the home care program on a day: once a day per item, whoever recorded it
    (the patient in the portal, or staff on their word)."""

    item = models.ForeignKey(HomeCareItem, on_delete=models.PROTECT, related_name="checks")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="home_care_checks")
    day = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "day"], name="home_care_check_once_a_day")]
        indexes = [models.Index(fields=["patient", "day"], name="home_care_check_patient_day")]

    def __str__(self) -> str:
        return f"{self.item} on {self.day:%Y-%m-%d}"
