from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from fascia.core.fields import AddressFields, NPIField, PhoneField
from fascia.core.models import Organization, TimestampedModel
from fascia.core.validators import PlausibleDate
from fascia.patients.models import Patient


def document_path(instance: models.Model, filename: str) -> str:
    # Never the uploader's file name: a random one, filed by month.
    return f"documents/{timezone.now():%Y/%m}/{uuid4().hex}"


class ReferringProvider(TimestampedModel, AddressFields):
    class Kind(models.TextChoices):
        PHYSICIAN = "physician", "Physician"
        PHYSICAL_THERAPIST = "physical-therapist", "Physical therapist"
        CHIROPRACTOR = "chiropractor", "Chiropractor"
        OSTEOPATH = "osteopath", "Osteopathic physician"
        NURSE_PRACTITIONER = "nurse-practitioner", "Nurse practitioner"
        OTHER = "other", "Other"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="referring_providers")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    credentials = models.CharField(max_length=30, blank=True, help_text="MD, DO, DPT, DC, NP …")
    npi = NPIField("NPI")
    practice = models.CharField(max_length=120, blank=True)
    phone = PhoneField(blank=True)
    fax = PhoneField(blank=True)
    secure_email = models.EmailField("secure email", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "npi"], name="provider_npi_unique_in_org")]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class Referral(TimestampedModel):
    """A referral or prescription for medical massage from a provider."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    provider = models.ForeignKey(ReferringProvider, on_delete=models.PROTECT, related_name="referrals")
    referral_date = models.DateField("date written", validators=[PlausibleDate()])
    diagnoses = models.CharField(
        "diagnoses (ICD-10-CM)",
        max_length=200,
        blank=True,
        help_text="Codes separated by commas, as the referral states them",
    )
    order = models.CharField(max_length=300, help_text="For example: medical massage 2x/week for 6 weeks")
    visits_authorized = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(200)])
    expires_on = models.DateField(validators=[PlausibleDate(years_ahead=2)])
    payer_referral_number = models.CharField(
        "payer's referral number",
        max_length=50,
        blank=True,
        help_text="The number the payer assigned to this referral, when it assigns one (837P REF*9F, CMS-1500 box 23)",
    )
    document = models.FileField(upload_to=document_path, blank=True)
    document_type = models.CharField(max_length=20, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        ordering = ["-referral_date", "-id"]
        # The practice dashboard's referral sources read the referrals written in a range.
        indexes = [models.Index(fields=["referral_date"], name="referral_day")]

    def __str__(self) -> str:
        return f"Referral from {self.provider} ({self.referral_date:%Y-%m-%d})"

    def clean(self) -> None:
        if self.expires_on and self.referral_date and self.expires_on < self.referral_date:
            raise ValidationError({"expires_on": "A referral cannot expire before it was written."})


class Correspondence(TimestampedModel):
    """What was sent to whom, when and how, or what came back."""

    class Kind(models.TextChoices):
        PLAN_OF_CARE = "plan-of-care", "Plan of care letter"
        PROGRESS_REPORT = "progress-report", "Progress report"
        REFERRAL = "referral", "Referral received"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        SENT = "sent", "Sent"
        RECEIVED = "received", "Received"

    class Method(models.TextChoices):
        FAX = "fax", "Fax"
        EMAIL = "email", "Secure email"
        PRINT = "print", "Printed / mailed"
        PORTAL = "portal", "Portal"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="correspondence")
    provider = models.ForeignKey(
        ReferringProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="correspondence"
    )
    plan = models.ForeignKey(
        "plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="correspondence"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.SENT)
    method = models.CharField(max_length=8, choices=Method.choices)
    date = models.DateField()
    summary = models.CharField(max_length=300)
    document = models.FileField(upload_to=document_path, blank=True)
    response = models.CharField("what came back", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "correspondence"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_direction_display().lower()} {self.date:%Y-%m-%d}"
