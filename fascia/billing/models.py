from datetime import date
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from fascia.billing.remittance.codes import describe_adjustment, describe_claim_status, describe_provider_adjustment
from fascia.core.fields import US_STATES, AddressFields, PhoneField
from fascia.core.models import Organization, TimestampedModel
from fascia.patients.models import Patient

CPT = RegexValidator(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$", "A CPT or HCPCS code is five characters, e.g. 97140.")


class Clearinghouse(TimestampedModel):
    """Where the practice sends its 837P files, and the IDs the clearinghouse assigned for them.

    The interchange's envelope and the 837P's first loops name both parties (005010X222A1 §2.3 and
    loops 1000A/1000B; the X12 ISA/GS control segments): ISA05/06 and GS02 the submitter, ISA07/08
    and GS03 the receiver, 1000A NM1*41 the submitter with its contact (PER) and 1000B NM1*40 the
    receiver. A clearinghouse gives each submitter its IDs at enrollment; Fascia cannot guess them,
    so a file is not written until an admin has entered them here.
    """

    class Qualifier(models.TextChoices):
        # ISA05/ISA07 interchange ID qualifiers a clearinghouse asks for (X12 ISA segment, element I05).
        MUTUALLY_DEFINED = "ZZ", "ZZ Mutually defined"
        DUNS = "01", "01 D-U-N-S number"
        DUNS_SUFFIX = "14", "14 D-U-N-S plus suffix"
        HIN = "20", "20 Health industry number"
        CARRIER = "27", "27 Carrier ID (CMS)"
        FISCAL_INTERMEDIARY = "28", "28 Fiscal intermediary ID (CMS)"
        MEDICARE_PROVIDER = "29", "29 Medicare provider ID"
        TAX_ID = "30", "30 US federal tax ID"
        NAIC = "33", "33 NAIC company code"

    class Usage(models.TextChoices):
        # ISA15: files for the clearinghouse's testing go as T until it moves the practice to production.
        PRODUCTION = "P", "Production"
        TEST = "T", "Test"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="clearinghouses")
    name = models.CharField(max_length=60, help_text="The receiver's name (1000B NM103)")
    is_default = models.BooleanField(
        "the practice's default", default=False, help_text="Used for every payer that names no clearinghouse"
    )
    submitter_qualifier = models.CharField(
        "submitter ID qualifier (ISA05)", max_length=2, choices=Qualifier.choices, default=Qualifier.MUTUALLY_DEFINED
    )
    submitter_id = models.CharField(
        "submitter ID (ISA06, 1000A)",
        max_length=15,
        validators=[RegexValidator(r"^[A-Za-z0-9]{2,15}$", "2 to 15 letters or digits, as the clearinghouse gave it.")],
        help_text="The ID the clearinghouse assigned to the practice",
    )
    receiver_qualifier = models.CharField(
        "receiver ID qualifier (ISA07)", max_length=2, choices=Qualifier.choices, default=Qualifier.MUTUALLY_DEFINED
    )
    receiver_id = models.CharField(
        "receiver ID (ISA08, 1000B)",
        max_length=15,
        validators=[RegexValidator(r"^[A-Za-z0-9]{2,15}$", "2 to 15 letters or digits, as the clearinghouse gave it.")],
        help_text="The clearinghouse's own ID",
    )
    application_sender_code = models.CharField(
        "application sender's code (GS02)",
        max_length=15,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9]{2,15}$", "2 to 15 letters or digits.")],
        help_text="Leave empty to use the submitter ID",
    )
    application_receiver_code = models.CharField(
        "application receiver's code (GS03)",
        max_length=15,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9]{2,15}$", "2 to 15 letters or digits.")],
        help_text="Leave empty to use the receiver ID",
    )
    contact_name = models.CharField(
        "submitter contact (PER02)",
        max_length=60,
        blank=True,
        help_text="Whom the clearinghouse calls about a file; leave empty for the practice's name",
    )
    contact_phone = PhoneField("contact phone (PER04)", blank=True, help_text="Leave empty for the practice's phone")
    usage = models.CharField("files are for", max_length=1, choices=Usage.choices, default=Usage.PRODUCTION)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="clearinghouse_name_unique"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="clearinghouse_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Payer(TimestampedModel, AddressFields):
    """Who pays: a health plan, a workers' compensation or auto insurer, or the patient (self-pay)."""

    class Kind(models.TextChoices):
        COMMERCIAL = "commercial", "Commercial health plan"
        MEDICARE = "medicare", "Medicare"
        MEDICAID = "medicaid", "Medicaid"
        WORKERS_COMP = "workers-comp", "Workers' compensation"
        AUTO = "auto", "Auto insurance (PIP / MedPay)"
        SELF_PAY = "self-pay", "Self-pay"

    class ClaimMethod(models.TextChoices):
        ELECTRONIC = "837p", "Electronic (X12 837P)"
        PAPER = "cms1500", "Paper (CMS-1500)"
        SUPERBILL = "superbill", "Superbill to the patient"

    class UnitsMethod(models.TextChoices):
        CMS = "cms", "CMS total time (8-minute rule)"
        PER_CODE = "per_code", "Per code (substantial portion)"

    class DistinctModifier(models.TextChoices):
        # NCCI-associated modifiers for a distinct procedural service (CMS NCCI Policy Manual ch. 1 §E;
        # CMS MLN1783722 "Proper use of modifiers 59, XE, XP, XS, XU"): which one a payer wants is its choice.
        M59 = "59", "59 distinct procedural service"
        XS = "XS", "XS separate structure (body region)"
        XE = "XE", "XE separate encounter"
        XP = "XP", "XP separate practitioner"
        XU = "XU", "XU unusual non-overlapping service"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payers")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    payer_id = models.CharField(
        "payer ID", max_length=20, blank=True, help_text="The electronic payer ID from the payer or clearinghouse"
    )
    phone = PhoneField(blank=True)
    claim_method = models.CharField(max_length=10, choices=ClaimMethod.choices, default=ClaimMethod.ELECTRONIC)
    units_method = models.CharField(max_length=10, choices=UnitsMethod.choices, default=UnitsMethod.PER_CODE)
    timely_filing_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(730)], help_text="Days from the visit"
    )
    requires_referral = models.BooleanField(default=False, help_text="A physician's referral or prescription")
    requires_certification = models.BooleanField(default=False, help_text="The referring provider signs the plan")
    requires_authorization = models.BooleanField(default=False, help_text="Prior authorization of visits")
    requires_referral_number = models.BooleanField(
        default=False, help_text="A referral number the payer assigns, on every claim (837P REF*9F, box 23)"
    )
    requires_gp_modifier = models.BooleanField("requires the GP modifier", default=False)
    distinct_modifier = models.CharField(
        "modifier for NCCI pairs on separate regions",
        max_length=2,
        choices=DistinctModifier.choices,
        default=DistinctModifier.M59,
        help_text="Put on the column-2 code of an NCCI pair done on a separate body region the same day",
    )
    is_active = models.BooleanField("active", default=True)
    clearinghouse = models.ForeignKey(
        Clearinghouse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payers",
        help_text="Leave empty to send this payer's claims through the practice's default clearinghouse",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.claim_method == self.ClaimMethod.ELECTRONIC and not self.payer_id.strip():
            raise ValidationError({"payer_id": "Electronic claims need the payer ID."})
        house = self.clearinghouse if self.clearinghouse_id is not None else None
        if house is not None and house.organization_id != self.organization_id:
            raise ValidationError({"clearinghouse": "Choose one of the practice's clearinghouses."})

    def clearinghouse_or_default(self, default: "Clearinghouse | None") -> "Clearinghouse | None":
        """Where this payer's electronic claims go: its own clearinghouse, else the practice's default."""
        return self.clearinghouse if self.clearinghouse_id is not None else default


class InjuryCase(TimestampedModel):
    """A work or auto injury: the facts its claims must carry (CMS-1500 boxes 10 and 14; 837P CLM11, DTP*439)."""

    class Kind(models.TextChoices):
        WORK = "work", "Work injury"
        AUTO = "auto", "Auto accident"
        OTHER = "other", "Other accident"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="injury_cases")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    injury_date = models.DateField("date of injury")
    accident_state = models.CharField(max_length=2, choices=US_STATES, blank=True)
    claim_number = models.CharField("insurer's claim number", max_length=40, blank=True)
    employer_or_insurer = models.CharField(max_length=120, blank=True)
    adjuster_name = models.CharField(max_length=120, blank=True)
    adjuster_phone = PhoneField(blank=True)
    attorney = models.CharField(max_length=120, blank=True)
    letter_of_protection = models.BooleanField(default=False)
    mmi_date = models.DateField("maximum medical improvement", null=True, blank=True)
    plan = models.ForeignKey(
        "plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="injury_cases"
    )

    class Meta:
        ordering = ["-injury_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.injury_date:%Y-%m-%d}"


class Coverage(TimestampedModel):
    """A patient's insurance with one payer, primary (1) or secondary (2)."""

    class Relationship(models.TextChoices):
        # 837P SBR02/PAT01 individual relationship codes.
        SELF = "18", "Self"
        SPOUSE = "01", "Spouse"
        CHILD = "19", "Child"
        OTHER = "G8", "Other"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    rank = models.PositiveSmallIntegerField(choices=[(1, "Primary"), (2, "Secondary")], default=1)
    member_id = models.CharField("member ID", max_length=40)
    group_number = models.CharField(max_length=40, blank=True)
    relationship = models.CharField(
        "patient's relationship to the subscriber", max_length=2, choices=Relationship.choices, default="18"
    )
    subscriber_family_name = models.CharField(max_length=80, blank=True, help_text="When the patient is not")
    subscriber_given_name = models.CharField(max_length=80, blank=True)
    subscriber_birth_date = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(
        max_length=1, choices=[("F", "Female"), ("M", "Male"), ("U", "Unknown")], blank=True
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    injury_case = models.ForeignKey(
        InjuryCase, on_delete=models.PROTECT, null=True, blank=True, related_name="coverages"
    )
    # What the plan's card says the patient pays at each visit, collected at check-in (the Today board shows
    # it). Not billed: the claim carries the charge, and the payer's 835 says what the patient owes (PR-3).
    copay = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Paid by the patient at each visit; leave blank when the plan has none",
    )

    class Meta:
        ordering = ["rank", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="coverage_dates"),
            models.CheckConstraint(condition=Q(copay__gte=0), name="coverage_copay_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.payer} ({self.get_rank_display().lower()}) {self.member_id}"

    @property
    def patient_is_subscriber(self) -> bool:
        return self.relationship == self.Relationship.SELF

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def clean(self) -> None:
        if not self.patient_is_subscriber and not (self.subscriber_family_name and self.subscriber_given_name):
            raise ValidationError({"subscriber_family_name": "Name the subscriber when the patient is not."})


class Authorization(TimestampedModel):
    """Visits a payer authorized in advance; used is counted from billed visits."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="authorizations")
    number = models.CharField(max_length=40)
    visits_allowed = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="authorization_dates")]

    def __str__(self) -> str:
        return f"Authorization {self.number}"


class Fee(models.Model):
    """The fee per unit of a code: a payer's schedule, or the clinic's standard fee (no payer)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="fees")
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, null=True, blank=True, related_name="fees")
    cpt_code = models.CharField("CPT code", max_length=5, validators=[CPT])
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["cpt_code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "payer", "cpt_code"], name="fee_unique"),
            models.UniqueConstraint(
                fields=["organization", "cpt_code"], condition=Q(payer=None), name="standard_fee_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cpt_code} {self.amount}"


class NcciPair(TimestampedModel):
    """An NCCI procedure-to-procedure edit the clinic bills by: on one date of service, `column_2` is bundled
    into `column_1` (CMS NCCI practitioner PTP table, updated quarterly). Each clinic keeps its own list, seeded
    with the pairs the technique catalog's codes form, and edits it when CMS publishes a new quarter."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ncci_pairs")
    column_1 = models.CharField("column 1 code", max_length=5, validators=[CPT])
    column_2 = models.CharField("column 2 code", max_length=5, validators=[CPT])
    modifier_allowed = models.BooleanField(
        "a modifier may unbundle it",
        default=True,
        help_text="The edit's modifier indicator: 1 (checked) lets a distinct-service modifier bill both on "
        "separate regions; 0 never",
    )
    source = models.CharField(max_length=200, help_text="Where the pair comes from, e.g. the NCCI table's quarter")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["column_1", "column_2"]
        verbose_name = "NCCI pair"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "column_1", "column_2"],
                name="ncci_pair_once",
                violation_error_message="This pair is already on the list.",
            ),
            models.CheckConstraint(condition=~Q(column_1=F("column_2")), name="ncci_pair_two_codes"),
        ]

    def __str__(self) -> str:
        return f"{self.column_1} / {self.column_2}"

    def clean(self) -> None:
        if self.column_1 and self.column_1 == self.column_2:
            raise ValidationError({"column_2": "A pair is two different codes."})


# The pairs a new clinic starts with: those the technique catalog's codes (97140, 97124, 97112) form in the
# CMS NCCI practitioner PTP table. Migration 0006 seeds existing clinics with the same list.
DEFAULT_NCCI_PAIRS = [
    ("97140", "97124", True, "CMS NCCI practitioner PTP edits (modifier indicator 1); REFERENCE.md §2"),
]


def add_default_ncci_pairs(sender: type[Organization], instance: Organization, created: bool, **kwargs: object) -> None:
    """post_save of an organization: a new clinic starts with the default NCCI pairs."""
    if created:
        NcciPair.objects.bulk_create(
            NcciPair(organization=instance, column_1=c1, column_2=c2, modifier_allowed=m, source=s)
            for c1, c2, m, s in DEFAULT_NCCI_PAIRS
        )


class Batch(TimestampedModel):
    """One 837P interchange as written: its control number is unique and increasing."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="claim_batches")
    control_number = models.PositiveIntegerField(unique=True)
    content = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-control_number"]

    def __str__(self) -> str:
        return f"837P batch {self.control_number:09d}"


class Claim(TimestampedModel):
    """A claim to one payer for one patient's visits; every change of status is recorded."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        READY = "ready", "Ready"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        PAID = "paid", "Paid"
        PARTIALLY_PAID = "partially-paid", "Partially paid"
        DENIED = "denied", "Denied"
        APPEALED = "appealed", "Appealed"
        CLOSED = "closed", "Closed"

    class Frequency(models.TextChoices):
        ORIGINAL = "1", "Original"
        REPLACEMENT = "7", "Replacement"
        VOID = "8", "Void"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="claims")
    number = models.CharField(
        "claim number", max_length=20, unique=True, help_text="The patient account number sent to the payer"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claims")
    plan = models.ForeignKey("plans.TreatmentPlan", on_delete=models.PROTECT, null=True, related_name="claims")
    authorization = models.ForeignKey(
        Authorization, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    injury_case = models.ForeignKey(InjuryCase, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    service_location = models.ForeignKey(
        "core.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where the services were given: one per claim (CLM05, 2310C, box 32); blank on claims "
        "drafted before claims were split by location",
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT, editable=False)
    frequency = models.CharField(max_length=1, choices=Frequency.choices, default=Frequency.ORIGINAL)
    payer_claim_number = models.CharField(max_length=50, blank=True, help_text="The payer's number for this claim")
    diagnoses = models.JSONField(default=list, help_text="ICD-10-CM codes with the dot, primary first (box 21)")
    problems = models.JSONField(default=list, blank=True, editable=False, help_text="The scrubber's last findings")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="claims")
    primary_claim = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="secondary_claims",
        help_text="On a secondary claim: the primary payer's claim for the same visits, whose decision it carries",
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    adjusted = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text="What the payers' CO, PI and OA adjustments took off the charge",
    )
    patient_responsibility = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("submit_claim", "Mark claims ready, export and post payments")]
        indexes = [
            # The work queue and the AR report read the claims of a few statuses out of years of paid ones.
            models.Index(fields=["organization", "status", "created_at"], name="claim_status"),
            # The queue's parts of claims sent to the payers span several statuses (waiting: submitted, accepted,
            # partially paid, appealed; resubmit: rejected, denied), which claim_status cannot give in one order:
            # this index walks those claims oldest first and stops at a page. Drafts and ready claims, one
            # status each, are read in order from claim_status.
            models.Index(
                fields=["organization", "created_at", "id"],
                condition=Q(status__in=["submitted", "accepted", "partially-paid", "appealed", "rejected", "denied"]),
                name="claim_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.number}"

    @property
    def total_charge(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), Decimal("0"))

    @property
    def prior(self) -> Decimal:
        """On a secondary claim, what the primary payer settled of the same charge (paid or adjusted off); the
        secondary payer is asked for the rest. Reads `primary_claim` (select it with the claim)."""
        primary = self.primary_claim if self.primary_claim_id is not None else None
        return primary.paid + primary.adjusted if primary is not None else Decimal("0")

    @property
    def balance(self) -> Decimal:
        """What the payer still owes: the charge less what an earlier payer settled (`prior`), what this one
        paid, what its adjustments took off and what it left to the patient or the next payer
        (patient_responsibility)."""
        return self.total_charge - self.prior - self.paid - self.adjusted - self.patient_responsibility


class ClaimLine(models.Model):
    """One service line (CMS-1500 box 24, 837P loop 2400): a code, its units and its fee."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    # The first note of the date that documented the code; the claim's ClaimNote rows list every note it bills.
    note = models.ForeignKey("visits.VisitNote", on_delete=models.PROTECT, related_name="claim_lines")
    service_date = models.DateField()
    cpt_code = models.CharField("CPT code", max_length=5, validators=[CPT])
    modifiers = models.JSONField(default=list, blank=True)
    units = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    minutes = models.PositiveSmallIntegerField(default=0, help_text="The date's billable minutes for this code")
    diagnosis_pointers = models.JSONField(default=list, help_text="1-based positions in the claim's diagnoses")
    place_of_service = models.CharField(max_length=2)
    rendering = models.ForeignKey("practitioners.Practitioner", on_delete=models.PROTECT, related_name="+")
    fee = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    paid = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["service_date", "id"]
        # The financial dashboard sums a range's lines by date of service out of ten years of them.
        indexes = [models.Index(fields=["service_date"], name="claimline_service_date")]

    def __str__(self) -> str:
        return f"{self.service_date:%Y-%m-%d} {self.cpt_code} x{self.units}"


class ClaimNote(models.Model):
    """A visit note a claim bills. While the claim is live (all but a draft closed unsent), the note is on no
    other live claim to the same payer: the database holds it, so two people drafting at once cannot bill a
    visit twice. `withheld` lists the note's minutes that may not be billed, with the reason."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="billed_notes")
    note = models.ForeignKey("visits.VisitNote", on_delete=models.PROTECT, related_name="billed_on")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="+")  # the claim's, for the constraint
    live = models.BooleanField(default=True)
    withheld = models.JSONField(default=list, blank=True, help_text="[{code, region, minutes, reason}]")

    class Meta:
        ordering = ["note__visited_on", "note_id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "note"], name="claim_note_once"),
            models.UniqueConstraint(
                fields=["note", "payer"],
                condition=Q(live=True),
                name="note_on_one_live_claim_per_payer",
                violation_error_message="This visit is already on a claim to this payer.",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.note_id} on claim {self.claim_id}"


class ClaimEvent(models.Model):
    """One change of a claim's status, with who and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class Remittance(TimestampedModel):
    """One payment of one payer: an 835 transaction (ST … SE) and what it says about each claim. A file
    may hold several. The payer and the trace number (TRN03, TRN02) name the payment, so the same payment
    posts once however its file is laid out."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="remittances")
    filename = models.CharField(max_length=200, blank=True)
    payer_name = models.CharField(max_length=100, blank=True)
    payer_identifier = models.CharField(
        max_length=80, help_text="TRN03, the payer's identifier (else its N1*PR id or name)"
    )
    trace_number = models.CharField("check or EFT trace number", max_length=50)
    interchange = models.CharField("ISA13 interchange control number", max_length=9, blank=True)
    transaction = models.CharField("ST02 transaction control number", max_length=9, blank=True)
    payment_date = models.DateField(null=True, blank=True)
    total_paid = models.DecimalField(max_digits=10, decimal_places=2)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "payer_identifier", "trace_number"], name="remittance_payment_once"
            )
        ]
        # The financial dashboard and the denials report read a range's payments.
        indexes = [models.Index(fields=["organization", "payment_date"], name="remittance_payment_date")]

    def __str__(self) -> str:
        return f"835 from {self.payer_name or 'payer'} {self.trace_number}"


class UnbilledVisit(models.Model):
    """A signed visit on no claim yet: the billing queue's "visits ready to bill", kept as notes
    are signed and billed (`fascia.billing.claims.services`), so the queue reads these few rows instead of
    setting every note of the clinic's years against every claim line."""

    note = models.OneToOneField("visits.VisitNote", on_delete=models.CASCADE, primary_key=True, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    visited_on = models.DateField()

    class Meta:
        ordering = ["visited_on"]

    def __str__(self) -> str:
        return f"Unbilled visit {self.visited_on:%Y-%m-%d}"


class ProviderAdjustment(models.Model):
    """A change to a payment not tied to any claim (835 PLB): interest, an overpayment taken back …
    A positive amount reduces the payment, a negative one adds to it."""

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="provider_adjustments")
    provider = models.CharField(max_length=50, help_text="PLB01, the provider's identifier at the payer")
    fiscal_period = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=2)
    reference = models.CharField(max_length=50, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"PLB {self.reason} {self.amount}"

    @property
    def reason_text(self) -> str:
        return describe_provider_adjustment(self.reason)


class Posting(models.Model):
    """What a remittance says about one claim (835 CLP): posted to the claim, or held for review with the
    reason (a claim never sent, or already settled) until billing staff post or dismiss it, or posted and
    later reversed by the payer."""

    class State(models.TextChoices):
        POSTED = "posted", "Posted"
        HELD = "held", "Held for review"
        REVERSED = "reversed", "Posted, then reversed by the payer"
        DISMISSED = "dismissed", "Held, then dismissed by billing staff"

    remittance = models.ForeignKey(Remittance, on_delete=models.CASCADE, related_name="postings")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="postings")
    claim_number = models.CharField(max_length=40, help_text="CLP01 as the payer sent it")
    status_code = models.CharField(max_length=3)
    charged = models.DecimalField(max_digits=10, decimal_places=2)
    paid = models.DecimalField(max_digits=10, decimal_places=2)
    adjusted = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), help_text="Its CO, PI and OA adjustments"
    )
    patient_responsibility = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="Its PR adjustments: deductible, coinsurance, copay"
    )
    payer_claim_number = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=9, choices=State.choices, default=State.POSTED)
    hold_reason = models.CharField(max_length=300, blank=True)
    dismissal_note = models.CharField(
        max_length=300, blank=True, help_text="Why billing staff dismissed a held payment, e.g. a refund asked for"
    )
    remarks = models.JSONField(default=list, blank=True, help_text="[{where, code, text}] remark codes (RARC)")
    services = models.JSONField(
        default=list, blank=True, help_text="[{procedure, date, paid}] its service lines (SVC), to post it later"
    )
    unmatched_lines = models.JSONField(
        default=list, blank=True, help_text="Service lines that matched no line of the claim"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Posting for {self.claim_number}: paid {self.paid}"

    @property
    def status_text(self) -> str:
        return describe_claim_status(self.status_code).lower()


class Adjustment(models.Model):
    """One adjustment of a posting (835 CAS): where it applies (the claim, or a line's code and date), its
    group (CO, PI, OA written off; PR the patient's share), reason (CARC) and amount. A row each, so the
    denials by reason are a GROUP BY, not the postings read one by one."""

    CLAIM = "claim"

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="adjustments")
    where = models.CharField(max_length=80, help_text='"claim", or the line\'s procedure and date as the 835 gave them')
    group = models.CharField(max_length=2)
    reason = models.CharField(max_length=5)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.group}-{self.reason} {self.amount}"

    @property
    def text(self) -> str:
        return describe_adjustment(self.group, self.reason)
