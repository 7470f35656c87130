from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from fascia.core.models import Location, User
from fascia.patients.models import Patient, name_for_display
from fascia.practitioners.models import Practitioner, practitioner_name
from fascia.scheduling.models import Appointment, AppointmentType, TimeOff, WaitlistEntry, WorkingHours
from fascia.scheduling.slots import free_starts

if TYPE_CHECKING:  # django-stubs-ext is a test dependency; the annotations are for mypy only
    from django_stubs_ext import WithAnnotations


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in the clinic's time zone (23 or 25 hours on daylight-saving days)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def appointments_on(user: User, day: date) -> QuerySet[Appointment]:
    start, end = day_bounds(day)
    return Appointment.objects.filter(
        location__organization_id=user.member_organization_id, start_at__gte=start, start_at__lt=end
    ).select_related("patient", "practitioner__user", "location", "room", "appointment_type", "note")


@dataclass(slots=True)
class DayAppointment:
    """An appointment as the appointment book shows it: plain values, not model instances (book_appointments)."""

    public_id: UUID
    practitioner_id: int
    start_at: datetime
    end_at: datetime
    status: str
    cancel_reason: str
    late_cancellation: bool
    patient_name: str
    room_name: str | None
    type_name: str
    note_status: str | None  # of its visit note, None without one
    patient_public_id: UUID | None = None
    is_evaluation: bool = False
    room_public_id: UUID | None = None
    location_public_id: UUID | None = None
    location_name: str = ""
    practitioner: Practitioner | None = None  # set by the book from its columns

    @property
    def status_label(self) -> str:
        return Appointment.Status(self.status).label


BOOK_FIELDS = (
    "public_id",
    "practitioner_id",
    "start_at",
    "end_at",
    "status",
    "cancel_reason",
    "late_cancellation",
    "patient__family_name",
    "patient__given_name",
    "patient__preferred_name",
    "room__name",
    "appointment_type__name",
    "note__status",
    "patient__public_id",
    "appointment_type__is_evaluation",
    "room__public_id",
    "location__public_id",
    "location__name",
)


def book_appointments(user: User, start: datetime, end: datetime, **where: object) -> list[DayAppointment]:
    """The appointments starting from `start` to `end` (and matching `where`), with only what the book shows,
    in start order: one query.

    Read as plain values rather than model instances (a busy location's ~250 appointments with their
    patient, room, type and note were five instances each, and took twice as long to read).
    The book attaches each practitioner from its columns, so they are not joined here.
    """
    rows = (
        Appointment.objects.filter(
            location__organization_id=user.member_organization_id, start_at__gte=start, start_at__lt=end, **where
        )
        .order_by("start_at", "pk")
        .values_list(*BOOK_FIELDS)
    )
    return [
        DayAppointment(
            public_id,
            practitioner_id,
            start_at,
            end_at,
            status,
            cancel_reason,
            late,
            name_for_display(family_name, given_name, preferred_name),
            room_name,
            type_name,
            note_status,
            patient_public_id,
            is_evaluation,
            room_public_id,
            location_public_id,
            location_name,
        )
        for (
            public_id,
            practitioner_id,
            start_at,
            end_at,
            status,
            cancel_reason,
            late,
            family_name,
            given_name,
            preferred_name,
            room_name,
            type_name,
            note_status,
            patient_public_id,
            is_evaluation,
            room_public_id,
            location_public_id,
            location_name,
        ) in rows
    ]


def day_appointments(user: User, day: date, location: Location) -> list[DayAppointment]:
    """One location's appointments on a day, in start order."""
    return book_appointments(user, *day_bounds(day), location=location)


def working_hours(user: User, *, weekdays: list[int], **where: object) -> list[WorkingHours]:
    """The working hours on the weekdays (at a location, or of a practitioner), with their location: one query."""
    return list(
        WorkingHours.objects.filter(
            practitioner__user__organization_id=user.member_organization_id, weekday__in=weekdays, **where
        ).select_related("location")
    )


def time_off(user: User, practitioner_ids: list[int], start: datetime, end: datetime) -> list[TimeOff]:
    """The practitioners' time off reaching into `start` to `end`: one query."""
    return list(
        TimeOff.objects.filter(
            practitioner__user__organization_id=user.member_organization_id,
            practitioner_id__in=practitioner_ids,
            starts_at__lt=end,
            ends_at__gt=start,
        )
    )


# What the front desk can do next with an appointment, by its status.
STEPS: dict[str, list[tuple[str, str]]] = {
    Appointment.Status.BOOKED: [("check-in", "Check in"), ("no-show", "No-show")],
    Appointment.Status.ARRIVED: [("check-out", "Check out")],
}


class DayColumn(TypedDict):
    works_here: bool
    booked_here: bool


def day_columns(location: Location, day: date) -> "QuerySet[WithAnnotations[Practitioner, DayColumn]]":
    """The practitioners who work at the location, and anyone booked there on the day, each with `works_here`."""
    start, end = day_bounds(day)
    return (
        Practitioner.objects.annotate(
            works_here=Exists(
                Practitioner.locations.through.objects.filter(practitioner=OuterRef("pk"), location=location)
            ),
            booked_here=Exists(
                Appointment.objects.filter(
                    practitioner=OuterRef("pk"), location=location, start_at__gte=start, start_at__lt=end
                )
            ),
        )
        .filter(Q(works_here=True, user__is_active=True) | Q(booked_here=True))
        .select_related("user")
    )


@dataclass(slots=True)
class ChartAppointment:
    """An appointment as the chart lists it: plain values (chart_context)."""

    start_at: datetime
    status: str
    late_cancellation: bool
    type_name: str
    practitioner: str
    location_name: str

    @property
    def status_label(self) -> str:
        return Appointment.Status(self.status).label


def chart_context(patient: Patient, user: User) -> dict:
    """The patient's latest 30 appointments: those to come, and the last 10 past. Read as values: as
    model instances with their practitioner, user, location and type they were 150 instances, and
    building them cost more than the query."""
    now = timezone.now()
    rows = (
        Appointment.objects.filter(patient=patient)
        .order_by("-start_at")
        .values_list(
            "start_at",
            "status",
            "late_cancellation",
            "appointment_type__name",
            "practitioner__user__first_name",
            "practitioner__user__last_name",
            "practitioner__user__username",
            "practitioner__credential_suffix",
            "location__name",
        )[:30]
    )
    appointments = [
        ChartAppointment(
            start_at, status, late, type_name, practitioner_name(first, last, username, suffix), location_name
        )
        for start_at, status, late, type_name, first, last, username, suffix, location_name in rows
    ]
    return {
        "upcoming": sorted((a for a in appointments if a.start_at >= now), key=lambda a: a.start_at),
        "past": [a for a in appointments if a.start_at < now][:10],
        "can_book": user.has_perm("scheduling.add_appointment"),
    }


def latest_appointments(patient: Patient) -> tuple[list[Appointment], list[Appointment]]:
    """What the chart's API shows as the chart's section does: the patient's latest 30 appointments, those to
    come (soonest first) and the last 10 past (latest first), with what AppointmentOut shows."""
    now = timezone.now()
    latest = list(
        Appointment.objects.filter(patient=patient)
        .select_related("patient", "practitioner__user", "location", "room", "appointment_type")
        .order_by("-start_at", "-pk")[:30]
    )
    return sorted((a for a in latest if a.start_at >= now), key=lambda a: a.start_at), [
        a for a in latest if a.start_at < now
    ][:10]


Busy = dict[int, list[tuple[datetime, datetime]]]


def practitioners_busy(
    practitioner_ids: set[int], start: datetime, end: datetime, *, moving: Appointment | None = None
) -> Busy:
    """When each practitioner is booked (but the appointment `moving`) or on time off from `start` to `end`, by
    practitioner id: two queries. What the staff's next free times (next_free_slots) and the patients' online times
    (fascia.scheduling.online) both give free_starts()."""
    busy: Busy = {pk: [] for pk in practitioner_ids}
    booked = Appointment.objects.holding_between(start, end).filter(practitioner_id__in=practitioner_ids)
    if moving is not None:
        booked = booked.exclude(pk=moving.pk)
    for a in booked:
        busy[a.practitioner_id].append((a.start_at, a.end_at))
    for off in TimeOff.objects.filter(practitioner_id__in=practitioner_ids, ends_at__gt=start, starts_at__lt=end):
        busy[off.practitioner_id].append((off.starts_at, off.ends_at))
    return busy


def next_free_slots(
    user: User,
    *,
    minutes: int,
    after: datetime,
    practitioner: Practitioner | None = None,
    location: Location | None = None,
    limit: int = 5,
    days: int = 30,
    step: int = 15,
) -> list[tuple[datetime, Practitioner, Location]]:
    """The earliest times from `after` when a practitioner (any, unless given) is working, not on
    time off and not booked, for `minutes`: three queries, whatever the range."""
    zone = timezone.get_current_timezone()
    hours = WorkingHours.objects.filter(
        practitioner__user__organization_id=user.member_organization_id, practitioner__user__is_active=True
    ).select_related("practitioner__user", "location")
    if practitioner is not None:
        hours = hours.filter(practitioner=practitioner)
    if location is not None:
        hours = hours.filter(location=location)
    working = list(hours)
    until = after + timedelta(days=days)
    busy = practitioners_busy({h.practitioner_id for h in working}, after, until)
    found: list[tuple[datetime, Practitioner, Location]] = []
    length, every = timedelta(minutes=minutes), timedelta(minutes=step)
    day = timezone.localtime(after).date()
    while day < until.date() and len(found) < limit:
        candidates = []
        for h in (h for h in working if h.weekday == day.weekday()):
            opens, closes = (datetime.combine(day, t, tzinfo=zone) for t in (h.starts, h.ends))
            free = free_starts(opens, closes, length, every, busy[h.practitioner_id])
            candidates += [(moment, h.practitioner, h.location) for moment in free if moment >= after]
        found += sorted(candidates, key=lambda c: (c[0], str(c[1])))[: limit - len(found)]
        day += timedelta(days=1)
    return found


def waitlist_for(user: User, day: date, location: Location) -> list[WaitlistEntry]:
    """Open waitlist entries whose window includes `day` and that this location can serve."""
    return list(
        WaitlistEntry.objects.filter(
            Q(location__isnull=True) | Q(location=location),
            patient__organization_id=user.member_organization_id,
            resolved_at__isnull=True,
            earliest__lte=day,
            latest__gte=day,
        ).select_related("patient", "practitioner__user", "appointment_type", "location")
    )


# The weekdays a plan's weekly frequency is spread over by default (0 = Monday): the front desk
# changes them to suit the patient.
SPREAD = {1: [], 2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4], 6: [0, 1, 2, 3, 4, 5]}


def series_from_plan(patient: Patient, first_day: date) -> dict:
    """Booking-form values for a series that follows the patient's active plan of care: its
    frequency spread over the week, for the weeks it still runs from `first_day`. Empty without a plan."""
    plan = patient.plans.filter(status="active").order_by("-version").first()
    if plan is None:
        return {}
    ends = plan.start_date + timedelta(weeks=plan.duration_weeks)
    weeks = max(1, -(-(ends - first_day).days // 7))
    weekdays = SPREAD.get(plan.visits_per_week) or [first_day.weekday()]
    return {
        "repeat_weekdays": [str(d) for d in weekdays],
        "repeat_weeks": weeks,
        "notes": f"Plan of care: {plan.visits_per_week}× a week for {plan.duration_weeks} weeks",
    }


def booking_defaults(patient: Patient, day: date) -> dict:
    """What the booking form starts from for a patient (issue 26 point 2): the practitioner and location the
    patient prefers, else those of the last visit, else the active plan's practitioner; the visit type the plan
    calls for (a re-evaluation once it is due, else the type of the last follow-up, else the shortest follow-up),
    or an initial evaluation without a plan. Four queries."""
    preferred = (
        Patient.objects.filter(pk=patient.pk)
        .values("preferred_practitioner__public_id", "preferred_location__public_id")
        .get()
    )
    last = (
        Appointment.objects.filter(patient=patient, status__in=Appointment.HOLDING)
        .order_by("-start_at")
        .values("practitioner__public_id", "location__public_id")
        .first()
    ) or {}
    plan = (
        patient.plans.filter(status="active")
        .order_by("-version")
        .values("practitioner__public_id", "re_evaluation_due")
        .annotate(
            follow_up=Subquery(
                Appointment.objects.filter(patient=patient, appointment_type__is_evaluation=False)
                .order_by("-start_at")
                .values("appointment_type_id")[:1]
            )
        )
        .first()
    )
    types = {t.pk: t for t in AppointmentType.objects.filter(is_active=True)}
    if plan is None:
        kind = next((t for t in types.values() if t.code == "initial-evaluation"), None)
    elif plan["re_evaluation_due"] is not None and plan["re_evaluation_due"] <= day:
        kind = next((t for t in types.values() if t.code == "re-evaluation"), None)
    else:
        follow_ups = sorted((t for t in types.values() if not t.is_evaluation), key=lambda t: t.minutes)
        kind = types.get(plan["follow_up"]) or (follow_ups[0] if follow_ups else None)
    defaults = {
        "practitioner": preferred["preferred_practitioner__public_id"]
        or last.get("practitioner__public_id")
        or (plan and plan["practitioner__public_id"]),
        "location": preferred["preferred_location__public_id"] or last.get("location__public_id"),
        "appointment_type": kind.pk if kind else None,
    }
    return {key: value for key, value in defaults.items() if value}
