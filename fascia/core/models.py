import hashlib
import secrets
from uuid import uuid4

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from fascia.core.fields import AddressFields, NPIField, PhoneField


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organization(TimestampedModel, AddressFields):
    """The practice. Every row of clinic data can be traced back to one organization."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    legal_name = models.CharField(max_length=120)
    tax_id = models.CharField(
        "tax ID (EIN)",
        max_length=10,
        validators=[RegexValidator(r"^\d{2}-\d{7}$", "Use the EIN format 12-3456789.")],
    )
    group_npi = NPIField("group NPI (type 2)")
    phone = PhoneField(blank=True)
    is_demo = models.BooleanField(default=False, editable=False)
    # Last medical record number handed out; see patients.services.next_mrn().
    mrn_counter = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        permissions = [
            ("manage_staff", "Manage staff accounts and roles"),
            ("manage_locations", "Manage the organization, locations and rooms"),
        ]

    def __str__(self) -> str:
        return self.legal_name


class Location(TimestampedModel, AddressFields):
    class Kind(models.TextChoices):
        CLINIC = "clinic", "Clinic"
        HOSPITAL = "hospital", "Hospital"
        REHABILITATION_CENTER = "rehabilitation-center", "Rehabilitation center"
        CHIROPRACTIC_OFFICE = "chiropractic-office", "Chiropractic office"
        OTHER = "other", "Other"

    class PlaceOfService(models.TextChoices):
        # CMS Place of Service Code Set (public domain), the codes a massage practice bills from.
        OFFICE = "11", "11 Office"
        HOME = "12", "12 Home"
        OUTPATIENT_HOSPITAL_OFF_CAMPUS = "19", "19 Off-campus outpatient hospital"
        OUTPATIENT_HOSPITAL_ON_CAMPUS = "22", "22 On-campus outpatient hospital"
        INDEPENDENT_CLINIC = "49", "49 Independent clinic"
        COMPREHENSIVE_OUTPATIENT_REHAB = "62", "62 Comprehensive outpatient rehabilitation facility"
        INPATIENT_HOSPITAL = "21", "21 Inpatient hospital"
        INPATIENT_REHAB = "61", "61 Comprehensive inpatient rehabilitation facility"
        OTHER = "99", "99 Other place of service"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=100)
    kind = models.CharField("type", max_length=24, choices=Kind.choices, default=Kind.CLINIC)
    phone = PhoneField(blank=True)
    hours = models.CharField(
        "opening hours", max_length=200, blank=True, help_text="For example: Mon–Fri 8:00–18:00, Sat 9:00–13:00"
    )
    place_of_service = models.CharField(
        "CMS place of service", max_length=2, choices=PlaceOfService.choices, default=PlaceOfService.OFFICE
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="location_name_unique_in_org")]

    def __str__(self) -> str:
        return self.name


class Room(TimestampedModel):
    class Kind(models.TextChoices):
        ROOM = "room", "Treatment room"
        TABLE = "table", "Treatment table"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=60)
    kind = models.CharField("type", max_length=8, choices=Kind.choices, default=Kind.ROOM)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_name_unique_in_location")]

    def __str__(self) -> str:
        return f"{self.location.name} · {self.name}"


class User(AbstractUser):
    """A staff account, whose role is its group (see fascia.core.roles), or a patient's portal account
    (`is_patient_account`, fascia.portal): no role, and refused by every staff page and the API."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="staff", null=True, blank=True
    )
    # Demo accounts: created only by `fascia demo`, exempt from the admin two-factor requirement.
    is_demo_account = models.BooleanField(default=False, editable=False)
    is_patient_account = models.BooleanField(default=False, editable=False)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # django-stubs leaves Meta out
        constraints = [
            # Patients sign in with their email (fascia.portal): one portal account per address.
            models.UniqueConstraint(
                Lower("email"), condition=Q(is_patient_account=True), name="patient_account_email_unique"
            )
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def member_organization_id(self) -> int:
        """The id of the organization whose data this staff member may see.

        staff_view and api_user let no one without an organization through; refusing here too keeps a query
        that forgot them from filtering on NULL.
        """
        if self.organization_id is None:
            raise PermissionDenied("This account belongs to no organization.")
        return self.organization_id


class ApiToken(TimestampedModel):
    """A bearer token for an integration. Only its SHA-256 digest is stored."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.user.username})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return "fascia_" + secrets.token_urlsafe(32)
