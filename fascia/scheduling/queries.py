from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from fascia.core.models import Location, User
from fascia.patients.models import Patient
from fascia.scheduling.models import Appointment


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in the clinic's time zone (23 or 25 hours on daylight-saving days)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def appointments_on(user: User, day: date) -> QuerySet[Appointment]:
    start, end = day_bounds(day)
    return Appointment.objects.filter(
        location__organization_id=user.organization_id, start_at__gte=start, start_at__lt=end
    ).select_related("patient", "practitioner__user", "location", "room", "appointment_type")


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
    holding = [a for a in appointments if a.status in Appointment.HOLDING]
    rows = []
    for slot in slots:
        slot_end = slot + timedelta(minutes=slot_minutes)
        cells = []
        for practitioner in practitioners:
            starting = next(
                (a for a in holding if a.practitioner_id == practitioner.pk and slot <= a.start_at < slot_end), None
            )
            busy = starting is None and any(
                a.practitioner_id == practitioner.pk and a.start_at < slot < a.end_at for a in holding
            )
            cells.append(
                {
                    "practitioner": practitioner,
                    "appointment": starting,
                    "busy": busy,
                    "steps": STEPS.get(starting.status, []) if starting else [],
                    "can_cancel": bool(starting) and starting.status == Appointment.Status.BOOKED,
                }
            )
        rows.append({"time": slot, "cells": cells})
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
