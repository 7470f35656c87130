from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from fascia.core.models import Location, Room, TimestampedModel
from fascia.patients.models import Patient
from fascia.practitioners.models import Practitioner

# How long an appointment type may last, in minutes.
SHORTEST_MINUTES, LONGEST_MINUTES = 5, 240
# The lengths a move may give an appointment (a block resized on the book, the reschedule form, the API): a
# quarter hour to the longest, in the book's 5-minute steps.
MOVED_MINUTES = range(15, LONGEST_MINUTES + 1, 5)


class AppointmentType(TimestampedModel):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(SHORTEST_MINUTES), MaxValueValidator(LONGEST_MINUTES)]
    )
    is_evaluation = models.BooleanField(default=False)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=SHORTEST_MINUTES, minutes__lte=LONGEST_MINUTES),
                name="appointment_type_minutes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.minutes} min)"


class WorkingHours(models.Model):
    """When a practitioner works at a location on a weekday (0 = Monday), in the clinic's time zone."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="working_hours_order")]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class TimeOff(models.Model):
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="time_off_order")]

    def __str__(self) -> str:
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.practitioner} off {starts:%Y-%m-%d %H:%M}–{ends:%Y-%m-%d %H:%M}"


class AppointmentQuerySet(models.QuerySet):
    def holding_between(self, start_at: datetime, end_at: datetime) -> "AppointmentQuerySet":
        """Appointments that hold some of the time from start_at to end_at.

        None lasts longer than Appointment.LONGEST, so one that reaches into the time starts after
        start_at - LONGEST: with that lower bound the (…, start_at) indexes read the few appointments
        around the time, where "starts before the end and ends after the start" alone read all ten
        years of a practitioner's book to find none.
        """
        return self.filter(
            status__in=Appointment.HOLDING,
            start_at__gt=start_at - Appointment.LONGEST,
            start_at__lt=end_at,
            end_at__gt=start_at,
        )


class Appointment(TimestampedModel):
    class Status(models.TextChoices):
        # FHIR Appointment.status
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Checked in"
        FULFILLED = "fulfilled", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "noshow", "No-show"
        ENTERED_IN_ERROR = "entered-in-error", "Entered in error"

    # The statuses that hold their time slot.
    HOLDING = (Status.BOOKED, Status.ARRIVED, Status.FULFILLED)
    # An appointment lasts as long as its type, or as a move made it (MOVED_MINUTES), so at most this long;
    # clean() holds every appointment to it, and holding_between() relies on it.
    LONGEST = timedelta(minutes=LONGEST_MINUTES)

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        "plans.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    notes = models.CharField(max_length=300, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    late_cancellation = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="appointment_order")]
        permissions = [
            ("override_appointment", "Book outside working hours or locations"),
            ("view_today_board", "See the front desk's Today board"),
        ]
        indexes = [
            models.Index(fields=["practitioner", "start_at"], name="appointment_practitioner_day"),
            models.Index(fields=["location", "start_at"], name="appointment_location_day"),
            models.Index(fields=["patient", "start_at"], name="appointment_patient"),
            models.Index(fields=["room", "start_at"], condition=Q(room__isnull=False), name="appointment_room_day"),
        ]

    objects = AppointmentQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.patient} with {self.practitioner} at {timezone.localtime(self.start_at):%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.start_at and self.end_at and self.end_at - self.start_at > self.LONGEST:
            raise ValidationError(f"An appointment lasts at most {LONGEST_MINUTES} minutes.")


DEFAULT_TYPES = [
    ("initial-evaluation", "Initial evaluation", 60, True),
    ("re-evaluation", "Re-evaluation", 45, True),
    ("follow-up-30", "Follow-up, 30 minutes", 30, False),
    ("follow-up-45", "Follow-up, 45 minutes", 45, False),
    ("follow-up-60", "Follow-up, 60 minutes", 60, False),
]


def ensure_default_types(**kwargs: object) -> None:
    """Add the appointment types a clinic starts with (post_migrate); never overwrites edits."""
    existing = set(AppointmentType.objects.values_list("code", flat=True))
    AppointmentType.objects.bulk_create(
        AppointmentType(code=code, name=name, minutes=minutes, is_evaluation=is_evaluation)
        for code, name, minutes, is_evaluation in DEFAULT_TYPES
        if code not in existing
    )


class WaitlistEntry(TimestampedModel):
    """A patient who wants an earlier or a specific slot; the day view lists those a free slot fits."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist_entries")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty for any practitioner",
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Leave empty for any location",
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    earliest = models.DateField("from")
    latest = models.DateField("until")
    notes = models.CharField(max_length=200, blank=True, help_text="For example: mornings only")
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(latest__gte=F("earliest")),
                name="waitlist_window",
                violation_error_message="The window must end on or after its start.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} waiting {self.earliest:%Y-%m-%d}–{self.latest:%Y-%m-%d}"


class BookingPolicy(TimestampedModel):
    """A clinic's booking rules (issue 27 point 4): whether patients may book online, how soon and how far ahead,
    and the cancellation window. One row per organization, made when an admin first saves it; until then the
    defaults hold (`fascia.scheduling.online.policy_for`).

    The cancellation window is the clinic's one late-cancellation rule: staff cancelling inside it record a late
    cancellation (services.is_late_cancellation), and patients may cancel or reschedule online only before it."""

    organization = models.OneToOneField(
        "core.Organization", on_delete=models.CASCADE, related_name="booking_policy", editable=False
    )
    online = models.BooleanField("patients may book online", default=False)
    lead_hours = models.PositiveSmallIntegerField(
        "lead time (hours)",
        default=12,
        validators=[MaxValueValidator(24 * 14)],
        help_text="No online booking sooner than this before the visit.",
    )
    horizon_days = models.PositiveSmallIntegerField(
        "how far ahead (days)",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="Patients may book up to this many days ahead.",
    )
    cancellation_hours = models.PositiveSmallIntegerField(
        "cancellation window (hours)",
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text="A cancellation later than this before the visit is a late cancellation. "
        "Patients may cancel or reschedule online only before it; after it they call the clinic.",
    )
    invite_on_booking = models.BooleanField(
        "invite to the portal on booking",
        default=True,
        help_text="When staff book a visit for a patient who has not sent their intake and has no portal account, "
        "email them an invitation to the portal (as their contact preferences allow).",
    )

    class Meta:
        verbose_name_plural = "booking policies"
        permissions = [("manage_online_booking", "Set the clinic's online booking and cancellation window")]
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, lead_hours__lte=24 * 14, cancellation_hours__lte=24 * 14),
                name="booking_policy_bounds",
            )
        ]

    def __str__(self) -> str:
        return f"Booking policy of {self.organization_id}"


class OnlineType(TimestampedModel):
    """An appointment type a clinic opens for online booking: to new patients, returning ones or both, with some
    practitioners at some locations (none chosen: every one)."""

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE, related_name="+", editable=False)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE, related_name="+", editable=False)
    for_new = models.BooleanField("new patients", default=False)
    for_returning = models.BooleanField("returning patients", default=False)
    practitioners = models.ManyToManyField(
        Practitioner, blank=True, related_name="+", help_text="Leave empty for every practitioner"
    )
    locations = models.ManyToManyField(
        Location, blank=True, related_name="+", help_text="Leave empty for every location"
    )

    class Meta:
        ordering = ["appointment_type__minutes", "appointment_type__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "appointment_type"], name="online_type_once_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type} online"
