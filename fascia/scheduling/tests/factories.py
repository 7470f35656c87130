"""Bookings for the scheduling tests, made through the booking service as the pages make them."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fascia.core.models import Location, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import Practitioner
from fascia.scheduling import services
from fascia.scheduling.models import Appointment, AppointmentType

CLINIC = ZoneInfo("America/New_York")  # the test clinic's time zone (settings.TIME_ZONE)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """That wall-clock time at the clinic."""
    return datetime.combine(day, time(hour, minute), tzinfo=CLINIC)


def book(
    actor: User,
    location: Location,
    start: datetime,
    *,
    patient: Patient | None = None,
    practitioner: Practitioner | None = None,
    kind: AppointmentType | None = None,
    **fields: Any,
) -> Appointment:
    """Book, as `actor`, a 30-minute follow-up unless `kind` says, for `patient` (a new one of the location's clinic
    unless given) with `practitioner` (Tess unless given)."""
    return services.book_appointment(
        actor=actor,
        patient=patient or PatientFactory(organization=location.organization),
        practitioner=practitioner or Practitioner.objects.get(user__username="tess"),
        location=location,
        appointment_type=kind or AppointmentType.objects.get(code="follow-up-30"),
        start_at=start,
        **fields,
    )
