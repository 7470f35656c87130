from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from fascia.core.models import Location, User
from fascia.patients.models import Patient
from fascia.practitioners.models import Practitioner
from fascia.scheduling.models import Appointment, TimeOff, WaitlistEntry, WorkingHours


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in the clinic's time zone (23 or 25 hours on daylight-saving days)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def appointments_on(user: User, day: date) -> QuerySet[Appointment]:
    start, end = day_bounds(day)
    return Appointment.objects.filter(
        location__organization_id=user.organization_id, start_at__gte=start, start_at__lt=end
    ).select_related("patient", "practitioner__user", "location", "room", "appointment_type", "note")


# What the front desk can do next with an appointment, by its status.
STEPS = {
    Appointment.Status.BOOKED: [("check-in", "Check in"), ("no-show", "No-show")],
    Appointment.Status.ARRIVED: [("check-out", "Check out")],
}


def day_grid(location: Location, day: date, appointments: list[Appointment], slot_minutes: int) -> dict:
    """Columns (the practitioners of the location and anyone booked there) and rows of time slots,
    each cell either an appointment starting then, 'busy' (inside one), or free."""
    practitioners = list(location.practitioners.filter(user__is_active=True).select_related("user"))
    practitioners += [a.practitioner for a in appointments if a.practitioner not in practitioners]
    start, end = day_bounds(day)
    first = start.replace(hour=7)
    slots = []
    moment = first
    while moment < start.replace(hour=20):
        slots.append(moment)
        moment += timedelta(minutes=slot_minutes)
    # Each practitioner's own appointments: a day has 52 rows of a column per practitioner, so a cell
    # looks through a few appointments, not the whole location's.
    holding: dict[int, list[Appointment]] = {p.pk: [] for p in practitioners}
    for a in appointments:
        if a.status in Appointment.HOLDING:
            holding[a.practitioner_id].append(a)
    names = {p.pk: str(p) for p in practitioners}
    now = timezone.now()
    rows = []
    for slot in slots:
        slot_end = slot + timedelta(minutes=slot_minutes)
        cells = []
        for practitioner in practitioners:
            theirs = holding[practitioner.pk]
            starting = next((a for a in theirs if slot <= a.start_at < slot_end), None)
            busy = starting is None and any(a.start_at < slot < a.end_at for a in theirs)
            cells.append(
                {
                    "practitioner": practitioner,
                    "name": names[practitioner.pk],
                    "appointment": starting,
                    "busy": busy,
                    "steps": STEPS.get(starting.status, []) if starting else [],
                    "can_cancel": bool(starting) and starting.status == Appointment.Status.BOOKED,
                }
            )
        label = f"{timezone.localtime(slot):%H:%M}"
        rows.append({"time": slot, "label": label, "cells": cells, "past": slot_end <= now})
    cancelled = [a for a in appointments if a.status not in Appointment.HOLDING]
    return {"columns": practitioners, "rows": rows, "cancelled": cancelled}


def chart_context(patient: Patient, user: User) -> dict:
    now = timezone.now()
    appointments = list(
        patient.appointments.select_related("practitioner__user", "location", "appointment_type").order_by("-start_at")[
            :30
        ]
    )
    return {
        "upcoming": sorted((a for a in appointments if a.start_at >= now), key=lambda a: a.start_at),
        "past": [a for a in appointments if a.start_at < now][:10],
        "can_book": user.has_perm("scheduling.add_appointment"),
    }


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
        practitioner__user__organization_id=user.organization_id, practitioner__user__is_active=True
    ).select_related("practitioner__user", "location")
    if practitioner is not None:
        hours = hours.filter(practitioner=practitioner)
    if location is not None:
        hours = hours.filter(location=location)
    hours = list(hours)
    until = after + timedelta(days=days)
    practitioners = {h.practitioner_id for h in hours}
    busy: dict[int, list[tuple[datetime, datetime]]] = {pk: [] for pk in practitioners}
    for a in Appointment.objects.filter(
        practitioner_id__in=practitioners, status__in=Appointment.HOLDING, end_at__gt=after, start_at__lt=until
    ):
        busy[a.practitioner_id].append((a.start_at, a.end_at))
    for off in TimeOff.objects.filter(practitioner_id__in=practitioners, ends_at__gt=after, starts_at__lt=until):
        busy[off.practitioner_id].append((off.starts_at, off.ends_at))
    found: list[tuple[datetime, Practitioner, Location]] = []
    day = timezone.localtime(after).date()
    while day < until.date() and len(found) < limit:
        candidates = []
        for h in (h for h in hours if h.weekday == day.weekday()):
            moment = datetime.combine(day, h.starts, tzinfo=zone)
            closing = datetime.combine(day, h.ends, tzinfo=zone)
            while moment + timedelta(minutes=minutes) <= closing:
                end = moment + timedelta(minutes=minutes)
                if moment >= after and not any(s < end and e > moment for s, e in busy[h.practitioner_id]):
                    candidates.append((moment, h.practitioner, h.location))
                moment += timedelta(minutes=step)
        found += sorted(candidates, key=lambda c: (c[0], str(c[1])))[: limit - len(found)]
        day += timedelta(days=1)
    return found


def waitlist_for(user: User, day: date, location: Location | None) -> list[WaitlistEntry]:
    """Open waitlist entries whose window includes `day` and that this location can serve."""
    entries = WaitlistEntry.objects.filter(
        patient__organization_id=user.organization_id, resolved_at__isnull=True, earliest__lte=day, latest__gte=day
    ).select_related("patient", "practitioner__user", "appointment_type", "location")
    if location is not None:
        entries = entries.filter(Q(location__isnull=True) | Q(location=location))
    return list(entries)


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
