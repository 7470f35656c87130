import hashlib
from datetime import date
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fascia.core.fields import AddressFields, PhoneField
from fascia.core.models import Location, Organization, TimestampedModel
from fascia.core.validators import validate_not_blank
from fascia.lib.contact import digits_only
from fascia.patients import icd10, medications
from fascia.practitioners.models import Practitioner


def validate_plausible_birth_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("The date of birth cannot be in the future.", code="future_date")
    if value.year < 1900:
        raise ValidationError("The date of birth must be in 1900 or later.", code="too_old")


def validate_past_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("This date cannot be in the future.", code="future_date")


def name_for_display(family_name: str, given_name: str, preferred_name: str) -> str:
    """The name as lists and schedules show a patient, family name first (Patient.display_name)."""
    given = given_name
    if preferred_name and preferred_name != given_name:
        given = f"{given_name} “{preferred_name}”"
    return f"{family_name}, {given}"


class Patient(TimestampedModel, AddressFields):
    class Sex(models.TextChoices):
        # FHIR AdministrativeGender
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    class GenderIdentity(models.TextChoices):
        # FHIR gender-identity value set (http://hl7.org/fhir/gender-identity)
        BLANK = "", _("Not recorded")
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        NON_BINARY = "non-binary", _("Non-binary")
        TRANSGENDER_FEMALE = "transgender-female", _("Transgender woman")
        TRANSGENDER_MALE = "transgender-male", _("Transgender man")
        OTHER = "other", _("Other")
        NON_DISCLOSE = "non-disclose", _("Prefers not to say")

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=12, editable=False)
    family_name = models.CharField("last name", max_length=80, validators=[validate_not_blank])
    given_name = models.CharField("first name", max_length=80, validators=[validate_not_blank])
    middle_name = models.CharField(max_length=80, blank=True)
    preferred_name = models.CharField(max_length=80, blank=True, help_text="What the patient likes to be called")
    birth_date = models.DateField("date of birth", validators=[validate_plausible_birth_date])
    sex = models.CharField("sex (administrative)", max_length=8, choices=Sex.choices)
    gender_identity = models.CharField(max_length=20, choices=GenderIdentity.choices, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    phone = PhoneField(blank=True)
    email = models.EmailField(blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=40, blank=True)
    emergency_contact_phone = PhoneField(blank=True)
    preferred_location = models.ForeignKey(Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    preferred_practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The language of the patient's emails and portal (settings.LANGUAGES); blank: the clinic's (LANGUAGE_CODE).
    preferred_language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="The language of the patient's emails and portal. Blank: the clinic's.",
    )
    is_active = models.BooleanField("active", default=True)
    # Pregnancy changes which positions and techniques are safe (contraindication screening).
    is_pregnant = models.BooleanField("currently pregnant", default=False)
    pregnancy_due_date = models.DateField("estimated due date", null=True, blank=True)
    # Lower-cased names, MRN and phone digits, so one indexed column answers the search box.
    search_text = models.CharField(max_length=400, editable=False, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "mrn"], name="patient_mrn_unique_in_org"),
        ]
        indexes = [
            models.Index(fields=["organization", "family_name", "given_name", "id"], name="patient_name_order"),
            models.Index(fields=["organization", "birth_date"], name="patient_birth_date"),
        ]
        permissions = [
            ("view_medical_history", "View a patient's medical history"),
            ("change_medical_history", "Add to and correct a patient's medical history"),
            ("record_consent", "Record a patient's consents"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return name_for_display(self.family_name, self.given_name, self.preferred_name)

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def get_chart_url(self) -> str:
        return reverse("patients:chart", args=[self.public_id])

    def clean(self) -> None:
        if self.pregnancy_due_date and not self.is_pregnant:
            raise ValidationError({"pregnancy_due_date": "A due date is recorded only during a pregnancy."})

    def refresh_search_text(self) -> None:
        parts = [self.family_name, self.given_name, self.middle_name, self.preferred_name, self.mrn]
        parts += [digits_only(self.phone)]
        self.search_text = " ".join(p.lower() for p in parts if p)


class HistoryStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Resolved / stopped"
    ENTERED_IN_ERROR = "entered-in-error", "Entered in error"


class Source(models.TextChoices):
    """Who said what an entry records: staff typed it, or the patient wrote it (intake) and staff accepted it."""

    STAFF = "staff", "Entered by staff"
    PATIENT = "patient", "From the patient's intake"


class HistoryEntry(TimestampedModel):
    """An item of the medical history. Never deleted: a wrong entry is marked entered-in-error."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=HistoryStatus.choices, default=HistoryStatus.ACTIVE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF, editable=False)
    notes = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        abstract = True

    @property
    def from_patient(self) -> bool:
        """Written by the patient (intake) and accepted by staff, as the chart says beside it."""
        return self.source == Source.PATIENT


class BodyRegion(models.TextChoices):
    HEAD = "head", _("Head and face")
    NECK = "neck", _("Neck")
    UPPER_BACK = "upper-back", _("Upper back")
    LOWER_BACK = "lower-back", _("Lower back")
    CHEST = "chest", _("Chest")
    ABDOMEN = "abdomen", _("Abdomen")
    PELVIS = "pelvis", _("Pelvis and hips")
    SHOULDER_LEFT = "shoulder-left", _("Left shoulder")
    SHOULDER_RIGHT = "shoulder-right", _("Right shoulder")
    ARM_LEFT = "arm-left", _("Left arm and elbow")
    ARM_RIGHT = "arm-right", _("Right arm and elbow")
    HAND_LEFT = "hand-left", _("Left wrist and hand")
    HAND_RIGHT = "hand-right", _("Right wrist and hand")
    LEG_LEFT = "leg-left", _("Left thigh and knee")
    LEG_RIGHT = "leg-right", _("Right thigh and knee")
    LOWER_LEG_LEFT = "lower-leg-left", _("Left lower leg")
    LOWER_LEG_RIGHT = "lower-leg-right", _("Right lower leg")
    FOOT_LEFT = "foot-left", _("Left ankle and foot")
    FOOT_RIGHT = "foot-right", _("Right ankle and foot")
    OTHER = "other", _("Other")


class Condition(HistoryEntry):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conditions")
    description = models.CharField(max_length=200)
    icd10_code = models.CharField("ICD-10-CM code", max_length=8, blank=True)
    onset_date = models.DateField(null=True, blank=True, validators=[validate_past_date])

    class Meta:
        ordering = ["-onset_date", "id"]

    def __str__(self) -> str:
        return f"{self.description} ({self.icd10_code})" if self.icd10_code else self.description

    def clean(self) -> None:
        if self.icd10_code:
            self.icd10_code = icd10.normalize_code(self.icd10_code)
            if not icd10.is_known_code(self.icd10_code):
                raise ValidationError({"icd10_code": f"{self.icd10_code} is not an ICD-10-CM code."})


class Surgery(HistoryEntry):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="surgeries")
    procedure = models.CharField(max_length=200)
    body_region = models.CharField(max_length=20, choices=BodyRegion.choices)
    performed_on = models.DateField("date", validators=[validate_past_date])

    class Meta:
        ordering = ["-performed_on", "id"]
        verbose_name_plural = "surgeries"

    def __str__(self) -> str:
        return f"{self.procedure} ({self.performed_on:%Y-%m-%d})"


class Medication(HistoryEntry):
    """A medication as typed. Its screening flags (bruising, tissue fragility, masked pain) are derived from the
    name and dose (medications.derived); each is_* field is a practitioner's correction of one flag, None
    while the derived flag stands."""

    class Answer(models.TextChoices):
        # "Anticoagulant or antiplatelet?", asked while the name is not recognized and no bleeding flag is set.
        NOT_ASKED = "", "Not answered"
        YES = "yes", "Yes"
        NO = "no", "No"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120)
    dose = models.CharField("dose and frequency", max_length=120, blank=True)
    is_anticoagulant = models.BooleanField("anticoagulant / blood thinner", null=True, blank=True, default=None)
    is_antiplatelet = models.BooleanField("antiplatelet", null=True, blank=True, default=None)
    is_corticosteroid = models.BooleanField("corticosteroid", null=True, blank=True, default=None)
    is_analgesic = models.BooleanField("analgesic / pain reliever", null=True, blank=True, default=None)
    is_muscle_relaxant = models.BooleanField("muscle relaxant", null=True, blank=True, default=None)
    bleeding_answer = models.CharField(
        "anticoagulant or antiplatelet?", max_length=8, choices=Answer.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def corrections(self) -> dict[str, bool | None]:
        return {flag: getattr(self, field) for flag, (field, _) in medications.FLAGS.items()}

    @property
    def derived_flags(self) -> frozenset[str] | None:
        return medications.derived(self.name, self.dose)

    @property
    def screening_flags(self) -> frozenset[str] | None:
        """The flags screening reads; None while the medication is unclassified."""
        return medications.resolve(self.derived_flags, self.corrections, self.bleeding_answer)

    @property
    def unclassified(self) -> bool:
        return self.screening_flags is None

    @property
    def flag_rows(self) -> list[dict]:
        """Each flag that is on, or that a practitioner set: its label, whether on, whether corrected."""
        flags = self.screening_flags or frozenset()
        derived = self.derived_flags or frozenset()
        rows = []
        for flag, (field, label) in medications.FLAGS.items():
            corrected = getattr(self, field) is not None
            if flag in flags or corrected:
                rows.append(
                    {
                        "flag": flag,
                        "label": label,
                        "on": flag in flags,
                        "corrected": corrected,
                        "derived": flag in derived,
                    }
                )
        return rows

    @property
    def bleeding_flags(self) -> list[str]:
        """The chart's alerts: anticoagulant, antiplatelet."""
        return [flag for flag in medications.BLEEDING if flag in (self.screening_flags or ())]

    @property
    def flags(self) -> list[str]:
        """The labels of the flags screening reads."""
        on = self.screening_flags or frozenset()
        return [label for flag, (_, label) in medications.FLAGS.items() if flag in on]


class Allergy(HistoryEntry):
    class Category(models.TextChoices):
        MEDICATION = "medication", _("Medication")
        OIL_LOTION = "oil-lotion", _("Massage oil, lotion or cream")
        LATEX = "latex", _("Latex")
        NUT = "nut", _("Nut (including nut oils)")
        FRAGRANCE = "fragrance", _("Fragrance / essential oil")
        FOOD = "food", _("Food")
        ENVIRONMENT = "environment", _("Environment")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120)
    category = models.CharField(max_length=12, choices=Category.choices)
    reaction = models.CharField(max_length=120, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MODERATE)

    class Meta:
        ordering = ["substance", "id"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class Implant(HistoryEntry):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="implants")
    description = models.CharField("implant or device", max_length=200)
    body_region = models.CharField(max_length=20, choices=BodyRegion.choices)
    implanted_on = models.DateField("date", null=True, blank=True, validators=[validate_past_date])

    class Meta:
        ordering = ["description", "id"]

    def __str__(self) -> str:
        return self.description


def signed_consent_path(instance: models.Model, filename: str) -> str:
    # Under MEDIA_ROOT, which no URL serves: the PDF opens only through the audited consent_pdf view.
    return f"consents/{timezone.now():%Y/%m}/{uuid4().hex}.pdf"


class Consent(TimestampedModel):
    """A consent as given on a date. Append-only: a newer record of the same kind (and, for the two
    billing signatures, the same payer scope) supersedes it.

    The billing signatures are what claims say is on file: the assignment of benefits (837P CLM08 and
    OI03, CMS-1500 boxes 13 and 27) and the release of information (CLM09 and OI06, box 12). Each is
    signed by the patient or a representative, for one payer or for all payers.
    """

    class Kind(models.TextChoices):
        TREATMENT = "treatment", "Consent to treatment"
        PRIVACY_NOTICE = "privacy-notice", "Notice of privacy practices acknowledged"
        CONTACT = "contact-preferences", "Contact preferences"
        ASSIGNMENT = "benefits-assignment", "Assignment of benefits (pay the practice)"
        RELEASE = "information-release", "Release of information to payers"
        FINANCIAL = "financial-policy", "Financial and cancellation policy"

    class Signer(models.TextChoices):
        PATIENT = "patient", _("The patient")
        REPRESENTATIVE = "representative", _("An authorized representative")

    BILLING_KINDS = (Kind.ASSIGNMENT, Kind.RELEASE)

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    granted = models.BooleanField(default=True, help_text="Untick when the patient declined")
    date = models.DateField(validators=[validate_past_date])
    signed_by = models.CharField(
        "signed by", max_length=14, choices=Signer.choices, default=Signer.PATIENT, help_text="Billing signatures"
    )
    representative_name = models.CharField(
        max_length=120, blank=True, help_text="Name and relationship, when a representative signed"
    )
    # Named as a string: billing sits above patients, which imports nothing of it (pyproject's layers).
    payer = models.ForeignKey(
        "billing.Payer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Billing signatures: leave empty for all payers",
    )
    allow_email = models.BooleanField("email reminders", default=False)
    allow_sms = models.BooleanField("text messages", default=False)
    allow_voicemail = models.BooleanField("voicemail", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.CharField(max_length=300, blank=True)
    # Set when the patient signed a published document electronically (sign_consent_document); empty for the
    # consents staff record from paper.
    document = models.ForeignKey(
        "ConsentDocument", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="consents"
    )
    signed_pdf = models.FileField(upload_to=signed_consent_path, blank=True, editable=False)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {'given' if self.granted else 'declined'} {self.date:%Y-%m-%d}"

    @property
    def is_billing_signature(self) -> bool:
        return self.kind in self.BILLING_KINDS

    def clean(self) -> None:
        if not self.is_billing_signature:
            if self.payer_id is not None:
                raise ValidationError({"payer": "Only an assignment of benefits or a release names a payer."})
            self.signed_by, self.representative_name = self.Signer.PATIENT, ""
        elif self.signed_by == self.Signer.REPRESENTATIVE and not self.representative_name.strip():
            raise ValidationError({"representative_name": "Name the representative who signed, and how related."})
        elif self.signed_by == self.Signer.PATIENT:
            self.representative_name = ""
        # A form checks its consent before the view names the patient; the service checks it again with the patient.
        payer = self.payer if self.payer_id is not None else None
        if payer is not None and self.patient_id is not None and payer.organization_id != self.patient.organization_id:
            raise ValidationError({"payer": "Choose one of the practice's payers."})


class ConsentDocument(models.Model):
    """One published version of one of the clinic's consent documents (its treatment consent, privacy notice …).

    Append-only (a PostgreSQL trigger refuses UPDATE and DELETE, fascia.core.append_only): a consent signed
    electronically points at the exact title and text the patient read, and `sha256` (of the text as UTF-8)
    lets anyone check a signed PDF against it. A change is a new version; the newest is the one to sign.
    """

    # The kinds a clinic writes as a document for patients to sign (contact preferences are a form, not a text).
    KINDS = (
        Consent.Kind.TREATMENT,
        Consent.Kind.PRIVACY_NOTICE,
        Consent.Kind.ASSIGNMENT,
        Consent.Kind.RELEASE,
        Consent.Kind.FINANCIAL,
    )

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="consent_documents")
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in KINDS])
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200, validators=[validate_not_blank])
    text = models.TextField(max_length=20000, validators=[validate_not_blank])
    sha256 = models.CharField("SHA-256", max_length=64)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "version"], name="consent_document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title}, version {self.version}"


def intake_card_path(instance: models.Model, filename: str) -> str:
    # Under MEDIA_ROOT, which no URL serves: a card opens only through the audited intake_card view. Never the
    # uploader's file name.
    return f"intake/{timezone.now():%Y/%m}/{uuid4().hex}"


class IntakeSubmission(TimestampedModel):
    """What a patient wrote on the intake form, kept apart from the chart until staff review it.

    A draft holds the answers as typed (`answers`, the form's sections as JSON). Submitting checks them and
    turns each into an IntakeItem that staff accept or reject one by one; when none is pending, the
    submission is reviewed. The complaint, goals and pain regions are the patient's own report, for the
    evaluation: they are shown on the review, not written into the chart.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted, to review"
        REVIEWED = "reviewed", "Reviewed"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    complaint = models.CharField("what brings you in", max_length=500, blank=True)
    goals = models.CharField("what you hope to get back to", max_length=500, blank=True)
    pain_regions = models.JSONField(default=list, blank=True)  # BodyRegion values
    card_front = models.FileField("insurance card, front", upload_to=intake_card_path, blank=True, editable=False)
    card_back = models.FileField("insurance card, back", upload_to=intake_card_path, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One intake in the works per patient: a draft or one awaiting review.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="intake_one_open_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"Intake {self.get_status_display().lower()}"

    @property
    def pain_region_labels(self) -> list[str]:
        labels = dict(BodyRegion.choices)
        return [labels.get(region, region) for region in self.pain_regions]


class IntakeItem(models.Model):
    """One thing a patient's intake says, which staff accept into the chart or reject."""

    class Kind(models.TextChoices):
        DEMOGRAPHICS = "demographics", "Details"
        PREGNANCY = "pregnancy", "Pregnancy"
        CONDITION = "condition", "Condition"
        MEDICATION = "medication", "Medication"
        ALLERGY = "allergy", "Allergy"
        SURGERY = "surgery", "Surgery"
        IMPLANT = "implant", "Implant"
        # Not for the chart: the patient's own report for the evaluation, and the insurance card photos.
        COMPLAINT = "complaint", "Complaint, goals and pain"
        CARDS = "cards", "Insurance card"

    class Decision(models.TextChoices):
        PENDING = "pending", "To review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    submission = models.ForeignKey(IntakeSubmission, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Demographics: which group of the patient's fields (name, phone, address …); empty for the others.
    group = models.CharField(max_length=24, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # The patient's answer as submitted: model field name -> value (dates as ISO text).
    value = models.JSONField(default=dict)
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        # The answer's main words: what it names (a medication's name …), or the details given, in a stable order.
        names = sorted(self.value, key=lambda name: (name not in self.NAMED_BY, name))
        said = [str(self.value[name]) for name in names if self.value[name] not in ("", None)]
        return f"{self.get_kind_display()}: {', '.join(said)}"[:200]

    # The answer that names what an item is, which its name starts with (the rest follow alphabetically).
    NAMED_BY = ("description", "name", "substance", "procedure")


class PatientLink(TimestampedModel):
    """What every link a patient gets by email shares (a portal invitation, a questionnaire): only the token's
    SHA-256 is kept, the link itself lives in the patient's email alone; it expires, is used once, and locks
    after MAX_CHECKS wrong dates of birth."""

    MAX_CHECKS = 3

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    failed_checks = models.PositiveSmallIntegerField(default=0, help_text="Wrong dates of birth given")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_locked(self) -> bool:
        return self.failed_checks >= self.MAX_CHECKS


class PortalInvitation(PatientLink):
    """A clinic's invitation to one patient to open their portal account (fascia.portal): the patient proves who
    they are with the link and their date of birth, then chooses their sign-in. A newer invitation replaces
    the earlier ones (`revoked_at`)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="portal_invitations")
    email = models.EmailField(help_text="Where the invitation was sent")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Portal invitation for {self.patient}"


class PatientAccount(TimestampedModel):
    """A patient's sign-in to the portal: a User of the patient's organization with no role
    (`is_patient_account`), which every staff page and the API refuse, tied to the one patient it may see."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient_account")
    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="account")
    invitation = models.OneToOneField(PortalInvitation, on_delete=models.PROTECT, related_name="account")

    def __str__(self) -> str:
        return f"Portal account of {self.patient}"
