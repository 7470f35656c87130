"""Booking: no practitioner, room or patient is ever in two appointments at once."""

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Exists, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import Location, Room, User
from fascia.patients.models import Patient
from fascia.plans.models import PlannedTechnique
from fascia.practitioners.credentials import NotCredentialed, check_license, license_lapsed, missing_privilege
from fascia.practitioners.models import Practitioner
from fascia.scheduling import online
from fascia.scheduling.intake_mail import ask_for_intake
from fascia.scheduling.limits import limits_for
from fascia.scheduling.models import (
    Appointment,
    AppointmentType,
    BookingPolicy,
    OnlineType,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)
from fascia.scheduling.online import cancellation_window
from fascia.scheduling.reminders import tell_patient, tell_series

# The clinic's cancellation window until it sets its own (BookingPolicy.cancellation_hours, online.policy_for).
LATE_CANCELLATION = timedelta(hours=24)


def is_late_cancellation(start_at: datetime, cancelled_at: datetime, window: timedelta = LATE_CANCELLATION) -> bool:
    """Whether cancelling at `cancelled_at` is too late for the appointment starting at `start_at`: inside the
    clinic's cancellation window. The one rule staff cancellations record and patients' online changes keep to."""
    return start_at - cancelled_at < window


class SchedulingError(Exception):
    pass


class Clash(SchedulingError):
    pass


class OverrideRefused(SchedulingError):
    def __init__(self) -> None:
        super().__init__("Only an admin can book outside working hours or locations.")


class NeedsOverride(SchedulingError):
    """Booking outside the practitioner's hours or locations: a warning only an admin may override."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        super().__init__(" ".join(warnings))


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _clash(appointments: list[Appointment], who: str) -> Clash:
    other = appointments[0]
    return Clash(
        f"{who} is already booked {_local(other.start_at)}–{_local(other.end_at)} "
        f"({other.patient.display_name} with {other.practitioner})."
    )


def warnings_for(practitioner: Practitioner, location: Location, start_at: datetime, end_at: datetime) -> list[str]:
    """What is unusual about this booking: another location, outside working hours, time off."""
    facts = _slot_facts(practitioner, location, start_at, end_at)
    return _warnings(practitioner, location, start_at, end_at, facts)


class SlotFacts(NamedTuple):
    works_here: bool  # the practitioner works at the location
    covered: bool  # by the practitioner's working hours there
    time_off: bool  # the practitioner has time off then
    # Asked only for a booking (False without its patient):
    specialty_planned: bool  # the patient's active plan holds a technique that requires a specialty
    license_lapsed: bool  # the practitioner's licenses on record are none of them current that day
    taken: bool  # the practitioner, the patient or the room is booked then (but the appointment being moved)


def _slot_facts(
    practitioner: Practitioner,
    location: Location,
    start_at: datetime,
    end_at: datetime,
    *,
    patient: Patient | None = None,
    room: Room | None = None,
    moving: Appointment | None = None,
) -> SlotFacts:
    """What a booking checks of its slot, in one query: every booking and every date of a series asks it.
    A booking that fits reads nothing else; a refusal reads what its message names."""
    start, end = timezone.localtime(start_at), timezone.localtime(end_at)
    booking: tuple[Any, ...] = (Value(False), Value(False), Value(False))
    if patient is not None:
        holding = Q(practitioner=practitioner) | Q(patient=patient) | (Q(room=room) if room is not None else Q())
        booking = (
            Exists(_planned_specialties(patient)),
            license_lapsed(practitioner, start.date()),
            Exists(_others(start_at, end_at, moving).filter(holding)),
        )
    facts = (
        Practitioner.objects.filter(pk=practitioner.pk)
        .values_list(
            Exists(Practitioner.locations.through.objects.filter(practitioner=practitioner, location=location)),
            Exists(
                WorkingHours.objects.filter(
                    practitioner=practitioner,
                    location=location,
                    weekday=start.weekday(),
                    starts__lte=start.time(),
                    ends__gte=end.time(),
                )
            ),
            Exists(TimeOff.objects.filter(practitioner=practitioner, starts_at__lt=end_at, ends_at__gt=start_at)),
            *booking,
        )
        .get()
    )
    return SlotFacts(*map(bool, facts))


def _others(start_at: datetime, end_at: datetime, moving: Appointment | None) -> QuerySet[Appointment]:
    """The appointments holding some of the time, but the one being moved."""
    others = Appointment.objects.holding_between(start_at, end_at)
    return others.exclude(pk=moving.pk) if moving is not None else others


def _warnings(
    practitioner: Practitioner, location: Location, start_at: datetime, end_at: datetime, facts: SlotFacts
) -> list[str]:
    start, end = timezone.localtime(start_at), timezone.localtime(end_at)
    warnings = []
    if not facts.works_here:
        warnings.append(f"{practitioner} does not work at {location.name}.")
    if not facts.covered or start.date() != end.date():
        warnings.append(f"{start:%a %H:%M}–{end:%H:%M} is outside {practitioner}'s working hours at {location.name}.")
    if facts.time_off:
        warnings.append(f"{practitioner} has time off then.")
    return warnings


class NotCredentialedToBook(SchedulingError):
    pass


class LimitsReached(SchedulingError):
    """The booking runs past the referral, the authorization or the plan of care (fascia.scheduling.limits):
    booked only once the user confirms, and the audit entry keeps the sentences."""

    def __init__(self, sentences: list[str]) -> None:
        self.sentences = sentences
        super().__init__(" ".join(sentences))


def _planned_specialties(patient: Patient) -> QuerySet[PlannedTechnique]:
    """The techniques of the patient's active plan that require a specialty certification."""
    return PlannedTechnique.objects.filter(
        plan__patient=patient, plan__status="active", technique__required_specialty__gt=""
    )


def _check_credentials(practitioner: Practitioner, patient: Patient, day: date, facts: SlotFacts) -> None:
    """An expired license, or a planned technique the practitioner holds no certification for,
    keeps the booking out (a clinic may turn the license block into a warning). The licenses and the planned
    techniques are read only when the slot's query (_slot_facts) found a lapsed license, or a technique that
    requires a specialty."""
    try:
        if facts.license_lapsed:
            check_license(practitioner, day)
    except NotCredentialed as e:
        raise NotCredentialedToBook(f"{e} New appointments are blocked until it is renewed.") from None
    planned = _planned_specialties(patient).select_related("technique") if facts.specialty_planned else []
    for item in planned:
        problem = missing_privilege(practitioner, item.technique.required_specialty, item.technique.name, day)
        if problem:
            raise NotCredentialedToBook(f"{problem} The patient's plan of care includes it.")


def _check_slot(*, actor: User, slot: Appointment, override: bool) -> list[str]:
    """Raise Clash when the practitioner, room or patient is taken at the slot's time (an appointment being
    booked, or one being moved with its new time and place), NeedsOverride for an unusual time or place
    (unless an admin overrides it); return the overridden warnings."""
    patient, practitioner, location, room = slot.patient, slot.practitioner, slot.location, slot.room
    start_at, end_at, moving = slot.start_at, slot.end_at, slot if slot.pk else None
    if override and not actor.has_perm("scheduling.override_appointment"):
        raise OverrideRefused
    facts = _slot_facts(practitioner, location, start_at, end_at, patient=patient, room=room, moving=moving)
    _check_credentials(practitioner, patient, timezone.localtime(start_at).date(), facts)
    if facts.taken:
        # Who holds the time, for the message: the practitioner or the patient, or else the room.
        others = _others(start_at, end_at, moving).order_by("start_at", "pk")
        taken = list(others.filter(Q(practitioner=practitioner) | Q(patient=patient)))
        if clashing := [a for a in taken if a.practitioner_id == practitioner.pk]:
            raise _clash(clashing, str(practitioner))
        if room is not None and (clashing := list(others.filter(room=room)[:1])):
            raise _clash(clashing, room.name)
        if taken:
            raise _clash(taken, patient.display_name)
    warnings = _warnings(practitioner, location, start_at, end_at, facts)
    if warnings and not override:
        raise NeedsOverride(warnings)
    return warnings


def _save_guarded(appointment: Appointment, practitioner: Practitioner) -> None:
    """Save, turning PostgreSQL's exclusion-constraint error into the same Clash as the check.

    No savepoint of its own: the Clash leaves the caller's atomic block, which rolls the whole booking back
    (or, inside a series, to the savepoint of that date's book_appointment), and nothing is read or written
    in between. The practitioner is named before the save: after a failed insert the transaction allows no query,
    and the caller may have passed one without its user read."""
    who = str(practitioner)
    try:
        appointment.save()
    except IntegrityError as e:
        if "no_overlap" in str(e):
            raise Clash(f"{who} or the room was booked for this time a moment ago.") from None
        raise


BOOKING_CHECKED = ["patient", "practitioner", "location", "room", "appointment_type", "created_by", "public_id"]


@transaction.atomic
def book_appointment(
    *,
    actor: User,
    patient: Patient,
    practitioner: Practitioner,
    location: Location,
    appointment_type: AppointmentType,
    start_at: datetime,
    room: Room | None = None,
    notes: str = "",
    override: bool = False,
    limits_confirmed: list[str] | None = None,
    online: bool = False,
) -> Appointment:
    """Book one appointment, or raise Clash (the slot is taken) or NeedsOverride (unusual time or place).
    `online`: the patient booked it in the portal (book_online), which the audit entry says.

    The overlap check and the insert run in one transaction: on SQLite it holds the write lock from
    its start, so two bookings queue; on PostgreSQL an exclusion constraint settles a race the check
    cannot see, and its error becomes the same Clash.
    """
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner,
        location=location,
        room=room,
        appointment_type=appointment_type,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=appointment_type.minutes),
        notes=notes,
        created_by=actor,
    )
    warnings = _check_slot(actor=actor, slot=appointment, override=override)
    # The related rows were just read (the form's choices, the patient, the actor) and the public_id
    # is new: validating each would be a SELECT apiece; so would the check that it ends after it starts
    # (three statements: its type lasts 5 minutes or more). The foreign keys, the unique index and the
    # check still hold in the database.
    appointment.full_clean(exclude=BOOKING_CHECKED, validate_constraints=False)
    _save_guarded(appointment, practitioner)
    audit.record(
        actor=actor,
        action=AuditAction.APPOINTMENT_BOOKED,
        target=appointment,
        patient=patient,
        detail=({"warnings_overridden": warnings} if warnings else {})
        | ({"limits_confirmed": limits_confirmed} if limits_confirmed else {})
        | ({"online": True} if online else {}),
    )
    return appointment


@transaction.atomic
def reschedule_appointment(
    *,
    actor: User,
    appointment: Appointment,
    start_at: datetime,
    practitioner: Practitioner | None = None,
    location: Location | None = None,
    room: Room | None = None,
    minutes: int | None = None,
    override: bool = False,
    limits_confirmed: bool = False,
) -> Appointment:
    """Move a booked appointment to another time (and practitioner, location, room, or length in `minutes`;
    None keeps it) it fits.

    A move to another day that runs past the referral, the authorization or the plan of care
    (fascia.scheduling.limits) raises LimitsReached unless `limits_confirmed`, and only once nothing else refuses
    it, so that confirming lets it through; the audit entry keeps what was confirmed. A move within its day asks
    nothing: the limits count days, and the appointment stays one visit of that day.

    The patient is told the new time by email (reminders.tell_patient), unless it has passed.
    """
    appointment = (
        Appointment.objects.select_for_update().select_related("appointment_type", "patient").get(pk=appointment.pk)
    )
    if appointment.status != Appointment.Status.BOOKED:
        raise SchedulingError(f"A {appointment.get_status_display().lower()} appointment cannot be moved.")
    before, length = timezone.localtime(appointment.start_at), appointment.end_at - appointment.start_at
    new_length = timedelta(minutes=minutes) if minutes is not None else length
    appointment.start_at, appointment.end_at = start_at, start_at + new_length
    appointment.practitioner = practitioner or appointment.practitioner
    appointment.location, appointment.room = location or appointment.location, room
    warnings = _check_slot(actor=actor, slot=appointment, override=override)
    other_day = timezone.localtime(start_at).date() != before.date()
    limits = limits_for(appointment.patient, [start_at], moving=appointment) if other_day else []
    if limits and not limits_confirmed:
        raise LimitsReached(limits)
    appointment.reminder_sent_at = None  # the patient needs a reminder of the new time
    appointment.full_clean()
    _save_guarded(appointment, appointment.practitioner)
    audit.record(
        actor=actor,
        action=AuditAction.APPOINTMENT_RESCHEDULED,
        target=appointment,
        patient=appointment.patient,
        detail={"from": before.isoformat()}
        | ({"from_minutes": length // timedelta(minutes=1)} if new_length != length else {})
        | ({"warnings_overridden": warnings} if warnings else {})
        | ({"limits_confirmed": limits} if limits else {}),
    )
    if appointment.start_at > timezone.now():
        tell_patient(appointment, "moved")
    return appointment


@transaction.atomic
def cancel_appointment(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a booked appointment, recorded as a late cancellation inside the clinic's window; the patient is
    told by email (reminders.tell_patient) unless its time has passed."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise SchedulingError(f"A {appointment.get_status_display().lower()} appointment cannot be cancelled.")
    if not reason.strip():
        raise SchedulingError("Say why the appointment is cancelled.")
    appointment.status, appointment.cancel_reason = Appointment.Status.CANCELLED, reason.strip()
    window = cancellation_window(appointment.patient.organization_id)
    appointment.late_cancellation = is_late_cancellation(appointment.start_at, timezone.now(), window)
    appointment.save(update_fields=["status", "cancel_reason", "late_cancellation", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.APPOINTMENT_CANCELLED,
        target=appointment,
        patient=appointment.patient,
        detail={"reason": appointment.cancel_reason, "late": appointment.late_cancellation},
    )
    if appointment.start_at > timezone.now():
        tell_patient(appointment, "cancelled")
    return appointment


# The moves an appointment can make at the front desk: from -> (to, time field to stamp).
MOVES = {
    "check_in": (Appointment.Status.BOOKED, Appointment.Status.ARRIVED, "checked_in_at"),
    "check_out": (Appointment.Status.ARRIVED, Appointment.Status.FULFILLED, "checked_out_at"),
    "no_show": (Appointment.Status.BOOKED, Appointment.Status.NO_SHOW, None),
}


@transaction.atomic
def move_appointment(*, actor: User, appointment: Appointment, move: str, at: datetime | None = None) -> Appointment:
    """Check a patient in or out, or record a no-show."""
    if move not in MOVES:
        raise SchedulingError(f"Unknown step {move!r}.")
    source, target, stamp = MOVES[move]
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != source:
        raise SchedulingError(
            f"The appointment is {appointment.get_status_display().lower()}; "
            f"it cannot be marked {target.label.lower()}."
        )
    appointment.status = target
    fields = ["status", "updated_at"]
    if stamp:
        setattr(appointment, stamp, at or timezone.now())
        fields.append(stamp)
    appointment.save(update_fields=fields)
    audit.record(
        actor=actor,
        action=AuditAction.APPOINTMENT_MOVED,
        target=appointment,
        patient=appointment.patient,
        detail={"to": target.value},
    )
    return appointment


def moved_message(appointment: Appointment) -> str:
    """What the front desk is told after a move_appointment(): who, and what happened when."""
    name = appointment.patient.display_name
    if appointment.status == Appointment.Status.ARRIVED and appointment.checked_in_at:
        return f"Checked in {name} at {timezone.localtime(appointment.checked_in_at):%H:%M}."
    if appointment.status == Appointment.Status.FULFILLED and appointment.checked_out_at:
        return f"Checked out {name} at {timezone.localtime(appointment.checked_out_at):%H:%M}."
    return f"{name}: {appointment.get_status_display().lower()}."


class SeriesClash(SchedulingError):
    """Some dates of a series cannot be booked: `failures` holds each one's start and why."""

    def __init__(self, failures: list[tuple[datetime, str]], *, of: int) -> None:
        self.failures, self.of = failures, of
        self.problems = [f"{timezone.localtime(start):%a %Y-%m-%d %H:%M}: {why}" for start, why in failures]
        super().__init__(f"{len(failures)} of the {of} dates cannot be booked; none was. " + " ".join(self.problems))


def series_starts(first_day: date, start: time, weekdays: list[int], weeks: int) -> list[datetime]:
    """Every start of a weekly series from `first_day`: the given weekdays (0 = Monday) for `weeks`
    weeks, each at the same wall-clock time in the clinic's zone, across month ends and DST changes."""
    zone = timezone.get_current_timezone()
    last = first_day + timedelta(weeks=weeks)
    days = (first_day + timedelta(days=n) for n in range((last - first_day).days))
    return [datetime.combine(day, start, tzinfo=zone) for day in days if day.weekday() in weekdays]


@transaction.atomic
def book_series(
    *,
    actor: User,
    patient: Patient,
    practitioner: Practitioner,
    location: Location,
    appointment_type: AppointmentType,
    starts: list[datetime],
    room: Room | None = None,
    notes: str = "",
    override: bool = False,
    check_limits: bool = False,
    limits_confirmed: bool = False,
    site: str = "",
) -> list[Appointment]:
    """Book every start of a series, or none: a clash or warning on any date refuses the whole
    series with the list of dates at fault. The staff's booking: the booking page and the API book one visit as a
    series of one date. The patient is told (_tell_booked; `site` starts the links, see intake_mail).

    With `check_limits` (the booking form, the API), a series that runs past the referral, the authorization or
    the plan of care (fascia.scheduling.limits) raises LimitsReached unless `limits_confirmed`, and only once every
    date could be booked (they are then rolled back), so that confirming lets it through; confirmed, each
    appointment's audit entry keeps what was confirmed. A series of one date is one appointment: its refusal is
    a SeriesClash of one failure."""
    if not starts:
        raise SchedulingError("The series has no dates: choose weekdays and a number of weeks.")
    if override and not actor.has_perm("scheduling.override_appointment"):
        raise OverrideRefused
    # Asked before booking: the dates booked would count themselves.
    limits = limits_for(patient, starts) if check_limits else []
    booked: list[Appointment] = []
    failures: list[tuple[datetime, str]] = []
    for start_at in starts:
        try:
            # book_appointment() is atomic: a date it refuses rolls back to its own savepoint.
            booked.append(
                book_appointment(
                    actor=actor,
                    patient=patient,
                    practitioner=practitioner,
                    location=location,
                    appointment_type=appointment_type,
                    start_at=start_at,
                    room=room,
                    notes=notes,
                    override=override,
                    limits_confirmed=limits,
                )
            )
        except SchedulingError as e:
            failures.append((start_at, str(e)))
    if failures:
        raise SeriesClash(failures, of=len(starts))
    if limits and not limits_confirmed:
        raise LimitsReached(limits)
    _tell_booked(actor, booked, site)
    return booked


def _tell_booked(actor: User, booked: list[Appointment], site: str) -> None:
    """Email the patient the visits just booked that are still to come (none for a visit entered afterwards): one
    confirmation, a series' listing its dates; and, when they still owe their intake, that it is due (or an
    invitation to the portal), once (intake_mail.ask_for_intake)."""
    coming = [a for a in booked if a.start_at > timezone.now()]
    if not coming:
        return
    if len(coming) == 1:
        tell_patient(coming[0], "booked")
    else:
        tell_series(coming)
    ask_for_intake(actor=actor, appointment=coming[0], site=site)


@transaction.atomic
def add_to_waitlist(*, actor: User, entry: WaitlistEntry) -> WaitlistEntry:
    entry.created_by = actor
    entry.full_clean()
    entry.save()
    audit.record(
        actor=actor, action=AuditAction.WAITLIST_CHANGED, target=entry, patient=entry.patient, detail={"added": True}
    )
    return entry


@transaction.atomic
def resolve_waitlist_entry(*, actor: User, entry: WaitlistEntry) -> WaitlistEntry:
    entry.resolved_at = timezone.now()
    entry.save(update_fields=["resolved_at", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.WAITLIST_CHANGED, target=entry, patient=entry.patient, detail={"resolved": True}
    )
    return entry


# Online booking (issue 27 point 4): what a patient does in the portal goes through the staff's own services above,
# so the same checks and the same PostgreSQL constraint hold, with a patient's limits around them. A patient never
# overrides, and what staff would be asked to confirm (the referral, the authorization, the plan's end) refuses the
# booking with a plain sentence. The messages are the patient's: they name no other patient.


class OnlineRefused(SchedulingError):
    """An online booking, cancellation or move the portal refuses, with a sentence for the patient."""


class SlotTaken(OnlineRefused):
    def __init__(self) -> None:
        super().__init__(_("Sorry, that time has just been taken. Please choose another time."))


class CallTheClinic(OnlineRefused):
    pass


def _limits() -> str:
    return _("Your referral, insurance authorization or plan of care needs a look before this visit.")


def _call(reason: str) -> CallTheClinic:
    return CallTheClinic(_("%(reason)s Please call the clinic.") % {"reason": reason})


def _check_online_time(policy: BookingPolicy, start_at: datetime, now: datetime) -> None:
    earliest, last_day = online.bookable_window(policy, now)
    if start_at < earliest:
        raise OnlineRefused(
            ngettext(
                "Online booking closes %(hours)d hour before a visit. Please choose a later time or call the clinic.",
                "Online booking closes %(hours)d hours before a visit. Please choose a later time or call the clinic.",
                policy.lead_hours,
            )
            % {"hours": policy.lead_hours}
        )
    if timezone.localtime(start_at).date() > last_day:
        raise OnlineRefused(
            ngettext(
                "Visits can be booked online up to %(days)d day ahead.",
                "Visits can be booked online up to %(days)d days ahead.",
                policy.horizon_days,
            )
            % {"days": policy.horizon_days}
        )


def _check_offer(
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner: Practitioner,
    location: Location,
    *,
    moving: Appointment | None = None,
) -> None:
    new = online.is_new_patient(patient, moving=moving)
    offer = online.offer_of(patient, appointment_type, new=new)
    if offer is None:
        raise _call(_("This visit cannot be booked online."))
    if practitioner not in offer.practitioners or location not in offer.locations:
        raise _call(_("This visit cannot be booked online with this practitioner at this location."))


def _open_policy(patient: Patient) -> BookingPolicy:
    policy = online.policy_for(patient.organization_id)
    if not policy.online:
        raise _call(_("This clinic does not take bookings online."))
    return policy


def _online_room(location: Location, start_at: datetime, end_at: datetime, moving: Appointment | None) -> Room | None:
    try:
        return online.free_room(location, start_at, end_at, moving)
    except Room.DoesNotExist:
        raise SlotTaken from None


@transaction.atomic
def book_online(
    *,
    actor: User,
    patient: Patient,
    appointment_type: AppointmentType,
    practitioner: Practitioner,
    location: Location,
    start_at: datetime,
    site: str = "",
) -> Appointment:
    """Book a visit the patient chose in the portal: open online to this patient (new or returning) with this
    practitioner at this location, within the lead time and how far ahead the clinic books, in a free room of
    the location (when it has rooms), through book_appointment. Raises SlotTaken for a time taken (by another
    booking, even one a moment ago) and OnlineRefused, or CallTheClinic, for anything else. The patient is told as
    after a staff booking (_tell_booked)."""
    policy = _open_policy(patient)
    _check_offer(patient, appointment_type, practitioner, location)
    _check_online_time(policy, start_at, timezone.now())
    if limits_for(patient, [start_at]):
        raise _call(_limits())
    end_at = start_at + timedelta(minutes=appointment_type.minutes)
    room = _online_room(location, start_at, end_at, None)
    try:
        booked = book_appointment(
            actor=actor,
            patient=patient,
            practitioner=practitioner,
            location=location,
            appointment_type=appointment_type,
            start_at=start_at,
            room=room,
            online=True,
        )
    except Clash:
        raise SlotTaken from None
    except NeedsOverride:
        raise OnlineRefused(_("That time is not open for booking. Please choose another time.")) from None
    except NotCredentialedToBook:
        raise _call(_("This visit cannot be booked online with this practitioner.")) from None
    _tell_booked(actor, [booked], site)
    return booked


def _check_window(policy: BookingPolicy, appointment: Appointment, now: datetime) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise OnlineRefused(_("This visit is no longer booked."))
    if is_late_cancellation(appointment.start_at, now, timedelta(hours=policy.cancellation_hours)):
        raise _call(
            ngettext(
                "Visits can be cancelled or moved online until %(hours)d hour before they start.",
                "Visits can be cancelled or moved online until %(hours)d hours before they start.",
                policy.cancellation_hours,
            )
            % {"hours": policy.cancellation_hours}
        )


def online_change_allowed(appointment: Appointment, policy: BookingPolicy, now: datetime | None = None) -> bool:
    """Whether the patient may still cancel or move the appointment online: booked, before the clinic's window."""
    return (
        policy.online
        and appointment.status == Appointment.Status.BOOKED
        and not is_late_cancellation(
            appointment.start_at, now or timezone.now(), timedelta(hours=policy.cancellation_hours)
        )
    )


@transaction.atomic
def cancel_online(*, actor: User, patient: Patient, appointment: Appointment, reason: str = "") -> Appointment:
    """Cancel the patient's own visit before the clinic's cancellation window, through cancel_appointment (which
    records a late cancellation by the same rule); inside the window the patient is told to call."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk, patient=patient)
    policy = _open_policy(patient)
    _check_window(policy, appointment, timezone.now())
    reason = reason.strip()[:150] or "Cancelled online by the patient."  # the clinic's record: in its language
    return cancel_appointment(actor=actor, appointment=appointment, reason=reason)  # which tells the patient


@transaction.atomic
def reschedule_online(*, actor: User, patient: Patient, appointment: Appointment, start_at: datetime) -> Appointment:
    """Move the patient's own visit to another free time with the same practitioner at the same location, before
    the clinic's cancellation window and within its online booking rules, through reschedule_appointment (in a free
    room of the location, when it has rooms). A move another day that would run past the referral, the
    authorization or the plan of care is refused with "Please call the clinic"."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("appointment_type", "practitioner__user", "location")
        .get(pk=appointment.pk, patient=patient)
    )
    policy = _open_policy(patient)
    now = timezone.now()
    _check_window(policy, appointment, now)
    kind, practitioner, location = appointment.appointment_type, appointment.practitioner, appointment.location
    _check_offer(patient, kind, practitioner, location, moving=appointment)
    _check_online_time(policy, start_at, now)
    end_at = start_at + (appointment.end_at - appointment.start_at)
    room = _online_room(appointment.location, start_at, end_at, appointment)
    try:
        moved = reschedule_appointment(actor=actor, appointment=appointment, start_at=start_at, room=room)
    except Clash:
        raise SlotTaken from None
    except NeedsOverride:
        raise OnlineRefused(_("That time is not open for booking. Please choose another time.")) from None
    except LimitsReached:
        raise _call(_limits()) from None
    except NotCredentialedToBook:
        raise _call(_("This visit cannot be booked online with this practitioner.")) from None
    return moved  # reschedule_appointment told the patient


@transaction.atomic
def save_booking_policy(
    *, actor: User, policy: BookingPolicy, types: list[tuple[AppointmentType, dict[str, Any]]]
) -> BookingPolicy:
    """Save the clinic's booking policy and, for each appointment type, whether and with whom it is open online
    (`types`: the type and its form's cleaned data: for_new, for_returning, practitioners, locations): one
    transaction, one audit entry."""
    policy.full_clean(exclude=["organization"])
    policy.save()
    existing = {o.appointment_type_id: o for o in OnlineType.objects.filter(organization_id=policy.organization_id)}
    summary = {}
    for appointment_type, data in types:
        row = existing.get(appointment_type.pk) or OnlineType(
            organization_id=policy.organization_id, appointment_type=appointment_type
        )
        row.for_new, row.for_returning = data["for_new"], data["for_returning"]
        row.save()
        row.practitioners.set(data["practitioners"])
        row.locations.set(data["locations"])
        summary[appointment_type.code] = [kind for kind in ("new", "returning") if data[f"for_{kind}"]]
    audit.record(
        actor=actor,
        action=AuditAction.BOOKING_POLICY_SAVED,
        target=policy.organization,
        detail={
            "online": policy.online,
            "lead_hours": policy.lead_hours,
            "horizon_days": policy.horizon_days,
            "cancellation_hours": policy.cancellation_hours,
            "invite_on_booking": policy.invite_on_booking,
            "types": summary,
        },
    )
    return policy
