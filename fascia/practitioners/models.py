from datetime import date
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from fascia.core.fields import US_STATES, NPIField
from fascia.core.models import Location, Organization, TimestampedModel


class Practitioner(TimestampedModel):
    """The clinical profile of a staff account in the practitioner role."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner")
    credential_suffix = models.CharField(
        "credentials", max_length=30, blank=True, help_text="Shown after the name, for example LMT or LMT, CMMP"
    )
    npi = NPIField("individual NPI (type 1)", unique=True)
    taxonomy_code = models.CharField(
        max_length=10,
        default="225700000X",  # NUCC taxonomy: Massage Therapist
        validators=[RegexValidator(r"^[0-9]{3}[0-9A-Z]{6}X$", "A NUCC taxonomy code looks like 225700000X.")],
        help_text="NUCC provider taxonomy; 225700000X is Massage Therapist.",
    )
    license_number = models.CharField(max_length=30)
    license_state = models.CharField(max_length=2, choices=US_STATES)
    locations = models.ManyToManyField(Location, related_name="practitioners", blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        user = self.user
        return practitioner_name(user.first_name, user.last_name, user.username, self.credential_suffix)


def practitioner_name(first_name: str, last_name: str, username: str, credential_suffix: str) -> str:
    """How pages name a practitioner (str(practitioner)), from the columns alone, for lists read as values."""
    name = f"{first_name} {last_name}".strip() or username  # User.get_full_name(), or the username
    return f"{name}, {credential_suffix}" if credential_suffix else name


def document_path(instance: models.Model, filename: str) -> str:
    # Never the uploader's file name: a random one, filed by month.
    return f"credentials/{timezone.now():%Y/%m}/{uuid4().hex}"


class Specialty(models.TextChoices):
    """Specialty certifications a technique in the catalog may require (admins set which)."""

    MEDICAL_MASSAGE = "medical-massage", "Medical massage"
    MLD = "mld", "Manual lymphatic drainage"
    ONCOLOGY = "oncology", "Oncology massage"
    MYOFASCIAL = "myofascial", "Myofascial release"
    NEUROMUSCULAR = "neuromuscular", "Neuromuscular therapy"
    IASTM = "iastm", "Instrument-assisted soft tissue mobilization"
    PRENATAL = "prenatal", "Prenatal massage"


class Credential(TimestampedModel):
    """A license, certification or insurance a practitioner holds, with its dates and a copy."""

    class Kind(models.TextChoices):
        LICENSE = "license", "State massage therapy license"
        BOARD = "board", "National board certification"
        SPECIALTY = "specialty", "Specialty certification"
        CPR = "cpr", "CPR / first aid"
        INSURANCE = "insurance", "Professional liability insurance"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    specialty = models.CharField(max_length=20, choices=Specialty.choices, blank=True, help_text="Specialty only")
    name = models.CharField(max_length=120, help_text="For example: Washington LMT, NCBTMB Board Certified")
    issuing_body = models.CharField(max_length=120, help_text="Board, state, school or insurer")
    state = models.CharField(max_length=2, choices=US_STATES, blank=True, help_text="Licenses: the state")
    number = models.CharField("number or policy number", max_length=40, blank=True)
    coverage_limits = models.CharField(max_length=80, blank=True, help_text="Insurance: e.g. $2M / $3M")
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Leave empty when it does not expire")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    document = models.FileField("copy", upload_to=document_path, blank=True)
    document_type = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["kind", "expires_on", "id"]

    def __str__(self) -> str:
        return self.name

    def is_current_on(self, day: date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.issued_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )

    def clean(self) -> None:
        errors = {}
        if self.expires_on and self.issued_on and self.expires_on < self.issued_on:
            errors["expires_on"] = "It cannot expire before it was issued."
        if self.kind == self.Kind.SPECIALTY and not self.specialty:
            errors["specialty"] = "Say which specialty the certification is in."
        if self.kind == self.Kind.LICENSE and not self.state:
            errors["state"] = "Say which state issued the license."
        if errors:
            raise ValidationError(errors)


class CECategory(models.TextChoices):
    HANDS_ON = "hands-on", "Hands-on technique"
    ETHICS = "ethics", "Ethics, boundaries, communication, laws"
    PATHOLOGY = "pathology", "Pathology and contraindications"
    RESEARCH = "research", "Research"
    HEALTH_EQUITY = "health-equity", "Health equity"
    HUMAN_TRAFFICKING = "human-trafficking", "Human trafficking prevention"
    SCIENCE = "science", "Anatomy, physiology, kinesiology"
    BUSINESS = "business", "Business and documentation"
    SELF_CARE = "self-care", "Self-care"
    OTHER = "other", "Other"


class CourseRecord(TimestampedModel):
    """A continuing-education course a practitioner completed."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=120)
    approval_number = models.CharField("provider approval number", max_length=40, blank=True)
    category = models.CharField(max_length=20, choices=CECategory.choices)
    hours = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(100)]
    )
    live = models.BooleanField("live (in person or live webinar)", default=True)
    started_on = models.DateField()
    completed_on = models.DateField()
    certificate = models.FileField(upload_to=document_path, blank=True)
    certificate_type = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["-completed_on", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} h)"

    def clean(self) -> None:
        if self.started_on and self.completed_on and self.completed_on < self.started_on:
            raise ValidationError({"completed_on": "A course cannot end before it starts."})


class RenewalRequirement(TimestampedModel):
    """What renewing a credential takes in CE, per issuing body or state: data each organization's admin edits
    for its own practitioners."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="renewal_requirements")
    kind = models.CharField(max_length=10, choices=Credential.Kind.choices)
    state = models.CharField(max_length=2, choices=US_STATES, blank=True, help_text="For state licenses")
    issuing_body = models.CharField(max_length=120, blank=True, help_text="For certifications, e.g. NCBTMB")
    cycle_months = models.PositiveSmallIntegerField(validators=[MinValueValidator(6), MaxValueValidator(120)])
    total_hours = models.DecimalField(max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    category_minimums = models.JSONField(default=dict, blank=True, help_text='{"ethics": 3, "hands-on": 8}')
    source = models.CharField(max_length=300, help_text="The rule this comes from")

    class Meta:
        ordering = ["kind", "state", "issuing_body"]

    def __str__(self) -> str:
        return f"{self.state or self.issuing_body}: {self.total_hours} h every {self.cycle_months} months"

    def clean(self) -> None:
        # Not errors of the category_minimums field: a form shows the minimums as one field per category.
        unknown = [c for c in self.category_minimums if c not in CECategory.values]
        if unknown:
            raise ValidationError(f"Unknown categories: {', '.join(unknown)}.")
        if sum(Decimal(str(v)) for v in self.category_minimums.values()) > self.total_hours:
            raise ValidationError("The category minimums add up to more than the total.")


class CredentialAlert(models.Model):
    """An alert sent, so `fascia credential_alerts` never sends the same one twice."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="credential_alerts")
    key = models.CharField(max_length=120, help_text="What it was about and the threshold, e.g. credential-12-30")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practitioner", "key"], name="credential_alert_once")]

    def __str__(self) -> str:
        return f"{self.key} sent {timezone.localtime(self.sent_at):%Y-%m-%d}"


# The requirements Fascia starts with; admins edit them (and should check them at each renewal).
DEFAULT_REQUIREMENTS = [
    {
        "kind": Credential.Kind.BOARD,
        "issuing_body": "NCBTMB",
        "cycle_months": 24,
        "total_hours": 24,
        "category_minimums": {"ethics": 3},
        "source": "NCBTMB, Board Certification renewal: 24 CE every two years including 3 in ethics",
    },
    {
        "kind": Credential.Kind.LICENSE,
        "state": "WA",
        "cycle_months": 24,
        "total_hours": 24,
        "category_minimums": {"hands-on": 8, "ethics": 4, "health-equity": 2},
        "source": "WAC 246-830-475 (Washington Board of Massage; health equity from WSR 23-19-026)",
    },
    {
        "kind": Credential.Kind.LICENSE,
        "state": "TX",
        "cycle_months": 24,
        "total_hours": 12,
        "category_minimums": {"human-trafficking": 1},
        "source": "16 TAC §117.24 and Occupations Code ch. 116 (Texas TDLR): 12 CE hours every two years",
    },
]


def new_organization_requirements(
    sender: type[Organization], instance: Organization, created: bool, **kwargs: object
) -> None:
    """post_save of an organization: a new clinic starts with Fascia's requirements (its admin edits them)."""
    if created and not kwargs.get("raw"):
        RenewalRequirement.objects.bulk_create(
            RenewalRequirement(organization=instance, **r) for r in DEFAULT_REQUIREMENTS
        )
