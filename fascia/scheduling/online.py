"""Online booking, the reads (issue 27 point 4): the clinic's policy, the types a patient may book online, and
their free times from the real book.

The free times are the staff's next free times (queries.next_free_slots) with a patient's limits: the same
working hours, the same busy times (queries.practitioners_busy) through the same pure core (slots.free_starts),
and besides them the rooms of the location (a time is free only while one of its rooms is, when it has rooms),
the patient's own visits, the clinic's lead time and how far ahead it books. A fixed number of queries for any
number of days. The writes (book_online, cancel_online, reschedule_online) are in services.py.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from fascia.core.models import Location, Room
from fascia.patients import intake
from fascia.patients.models import Patient
from fascia.practitioners.models import Practitioner
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy, OnlineType, WorkingHours
from fascia.scheduling.queries import practitioners_busy
from fascia.scheduling.slots import free_starts

STEP = timedelta(minutes=15)  # online times start on the quarter hour, as the staff's next free times do


def policy_for(organization_id: int) -> BookingPolicy:
    """The organization's booking policy, or (before an admin saves one) the defaults: closed online, 12 hours'
    lead, 60 days ahead, a 24-hour cancellation window. One query."""
    return BookingPolicy.objects.filter(organization_id=organization_id).first() or BookingPolicy(
        organization_id=organization_id
    )


def cancellation_window(organization_id: int) -> timedelta:
    """The clinic's late-cancellation window: one query."""
    return timedelta(hours=policy_for(organization_id).cancellation_hours)


def is_new_patient(patient: Patient, *, moving: Appointment | None = None) -> bool:
    """A new patient has had no visit and holds no appointment (booked, checked in or completed; but `moving`,
    the one being rescheduled): two counts at most."""
    appointments = Appointment.objects.filter(patient=patient, status__in=Appointment.HOLDING)
    if moving is not None:
        appointments = appointments.exclude(pk=moving.pk)
    # Visits sit above scheduling: read through the patient's relation, as limits.visits_booked does.
    return not appointments.exists() and not patient.visit_notes.exists()


def intake_before_first_booking(patient: Patient) -> bool:
    """Whether the patient must send their intake before booking online: a new patient (no visit, no appointment)
    who has sent none; the portal asks for it before it offers a first booking. Whether the portal asks for the
    intake at all is wider (patients.intake.intake_due: any patient with no completed visit)."""
    return is_new_patient(patient) and intake.intake_required(patient)


@dataclass
class Offer:
    """An appointment type a patient may book online, with whom and where (plan's practitioner first)."""

    online: OnlineType
    practitioners: list[Practitioner] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)

    @property
    def appointment_type(self) -> AppointmentType:
        return self.online.appointment_type


def offers_for(patient: Patient, *, new: bool | None = None) -> list[Offer]:
    """The types the patient may book online (none while the clinic's online booking is closed), each with the
    active practitioners and locations it is open with (none chosen: all of the clinic's who work there), the
    practitioner of the patient's active plan first. Six queries, however many types."""
    organization_id = patient.organization_id
    if not policy_for(organization_id).online:
        return []
    new = is_new_patient(patient) if new is None else new
    rows = list(
        OnlineType.objects.filter(organization_id=organization_id, appointment_type__is_active=True)
        .filter(Q(for_new=True) if new else Q(for_returning=True))
        .select_related("appointment_type")
        .prefetch_related("practitioners__user", "locations")
    )
    if not rows:
        return []
    staff = list(
        Practitioner.objects.filter(user__organization_id=organization_id, user__is_active=True)
        .select_related("user")
        .prefetch_related("locations")
    )
    plan_practitioner = (
        patient.plans.filter(status="active").order_by("-version").values_list("practitioner_id", flat=True).first()
    )
    offers = []
    for row in rows:
        locations = [loc for loc in (list(row.locations.all()) or _all_locations(staff)) if loc.is_active]
        chosen = {p.pk for p in row.practitioners.all()}
        practitioners = [
            p for p in staff if (not chosen or p.pk in chosen) and any(loc in locations for loc in p.locations.all())
        ]
        practitioners.sort(key=lambda p: p.pk != plan_practitioner)  # stable: the plan's first, then by name
        if practitioners and locations:
            offers.append(Offer(row, practitioners, locations))
    return offers


def _all_locations(staff: list[Practitioner]) -> list[Location]:
    seen: dict[int, Location] = {}
    for p in staff:
        for loc in p.locations.all():
            seen.setdefault(loc.pk, loc)
    return sorted(seen.values(), key=lambda loc: loc.name)


def offer_of(patient: Patient, appointment_type: AppointmentType, *, new: bool | None = None) -> Offer | None:
    """The patient's offer of that type, None when it is not open online to them."""
    return next((o for o in offers_for(patient, new=new) if o.appointment_type.pk == appointment_type.pk), None)


@dataclass(frozen=True, slots=True)
class OnlineTime:
    start_at: datetime
    practitioner: Practitioner
    location: Location


def bookable_window(policy: BookingPolicy, now: datetime) -> tuple[datetime, date]:
    """The earliest start a patient may book now, and the last day."""
    return now + timedelta(hours=policy.lead_hours), timezone.localtime(now).date() + timedelta(
        days=policy.horizon_days
    )


def online_times(
    patient: Patient,
    offer: Offer,
    *,
    first_day: date,
    days: int = 7,
    practitioner: Practitioner | None = None,
    location: Location | None = None,
    moving: Appointment | None = None,
    now: datetime | None = None,
) -> dict[date, list[OnlineTime]]:
    """The free times of the offer's type from `first_day` for `days` days (with one practitioner or at one
    location, or any the offer has), within the clinic's lead time and how far ahead it books: by day, each day's
    times in order, each time once, with the plan's practitioner when they are free then, else the first free by
    name (a patient picks a time; twenty practitioners free at 9:00 are one choice, not twenty links on a phone).
    `moving`: the appointment being rescheduled, whose own time is free. Six queries, whatever the number of days."""
    now = now or timezone.now()
    policy = policy_for(patient.organization_id)
    earliest, last_day = bookable_window(policy, now)
    zone = timezone.get_current_timezone()
    start = max(datetime.combine(first_day, datetime.min.time(), tzinfo=zone), earliest)
    until = min(first_day + timedelta(days=days), last_day + timedelta(days=1))
    end = datetime.combine(until, datetime.min.time(), tzinfo=zone)
    if start >= end:
        return {}
    practitioners = [p for p in offer.practitioners if practitioner is None or p.pk == practitioner.pk]
    locations = [loc for loc in offer.locations if location is None or loc.pk == location.pk]
    if not practitioners or not locations:
        return {}
    rank = {p.pk: n for n, p in enumerate(practitioners)}
    by_pk = {p.pk: p for p in practitioners}
    places = {loc.pk: loc for loc in locations}
    hours = list(
        WorkingHours.objects.filter(practitioner_id__in=rank, location_id__in=places).order_by("weekday", "starts")
    )
    busy = practitioners_busy(set(rank), start, end, moving=moving)
    rooms: dict[int, set[int]] = defaultdict(set)
    for room_pk, location_pk in Room.objects.filter(location_id__in=places, is_active=True).values_list(
        "pk", "location_id"
    ):
        rooms[location_pk].add(room_pk)
    room_busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    own: list[tuple[datetime, datetime]] = []
    taken = Appointment.objects.holding_between(start, end).filter(
        Q(patient=patient) | Q(room_id__in={pk for pks in rooms.values() for pk in pks})
    )
    if moving is not None:
        taken = taken.exclude(pk=moving.pk)
    for room_pk, patient_pk, starts_at, ends_at in taken.values_list("room_id", "patient_id", "start_at", "end_at"):
        if patient_pk == patient.pk:
            own.append((starts_at, ends_at))
        if room_pk is not None:
            room_busy[room_pk].append((starts_at, ends_at))
    length = timedelta(minutes=offer.appointment_type.minutes)
    found: dict[date, list[OnlineTime]] = {}
    day = first_day
    while datetime.combine(day, datetime.min.time(), tzinfo=zone) < end:
        times = []
        for h in (h for h in hours if h.weekday == day.weekday()):
            opens, closes = (datetime.combine(day, t, tzinfo=zone) for t in (h.starts, h.ends))
            free = set(free_starts(opens, closes, length, STEP, [*busy[h.practitioner_id], *own]))
            if rooms[h.location_id]:
                free &= {
                    moment
                    for room_pk in rooms[h.location_id]
                    for moment in free_starts(opens, closes, length, STEP, room_busy[room_pk])
                }
            who, where = by_pk[h.practitioner_id], places[h.location_id]
            times += [OnlineTime(moment, who, where) for moment in free if moment >= start]
        if times:
            best: dict[datetime, OnlineTime] = {}
            for t in sorted(times, key=lambda t: (t.start_at, rank[t.practitioner.pk], t.location.name)):
                best.setdefault(t.start_at, t)
            found[day] = list(best.values())
        day += timedelta(days=1)
    return found


def free_room(
    location: Location, start_at: datetime, end_at: datetime, moving: Appointment | None = None
) -> Room | None:
    """A room of the location free from `start_at` to `end_at` (None when it has no rooms): what an online booking
    takes, as the front desk would choose one. Raises Room.DoesNotExist when every room is taken."""
    rooms = list(Room.objects.filter(location=location, is_active=True).order_by("name"))
    if not rooms:
        return None
    taken = Appointment.objects.holding_between(start_at, end_at).filter(room__in=rooms)
    if moving is not None:
        taken = taken.exclude(pk=moving.pk)
    held = set(taken.values_list("room_id", flat=True))
    room = next((r for r in rooms if r.pk not in held), None)
    if room is None:
        raise Room.DoesNotExist
    return room
