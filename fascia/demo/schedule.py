"""Demo working hours and this week's appointments, booked through the scheduling services."""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from fascia.patients.models import Patient
from fascia.practitioners.models import Practitioner
from fascia.scheduling import services
from fascia.scheduling.models import AppointmentType, WorkingHours

DAY_START, DAY_END = time(8), time(18)


def load_working_hours(practitioners: list[Practitioner]) -> None:
    """Monday to Friday; practitioners at two locations alternate days between them."""
    for practitioner in practitioners:
        locations = list(practitioner.locations.order_by("name"))
        for weekday in range(5):
            location = locations[weekday % len(locations)]
            WorkingHours.objects.create(
                practitioner=practitioner, location=location, weekday=weekday, starts=DAY_START, ends=DAY_END
            )


def load_week(practitioners: list[Practitioner], rng: random.Random, today: date) -> None:
    """Four to six 45-minute follow-ups a day per practitioner this week; the past ones are done."""
    kind = AppointmentType.objects.get(code="follow-up-45")
    monday = today - timedelta(days=today.weekday())
    zone = timezone.get_current_timezone()
    now = timezone.now()
    for practitioner in practitioners:
        patients = list(Patient.objects.filter(preferred_practitioner=practitioner))
        actor = practitioner.user
        for hours in practitioner.working_hours.select_related("location"):
            day = monday + timedelta(days=hours.weekday)
            slots = sorted(rng.sample(range(9, 17), k=rng.randint(4, 6)))
            for hour in slots:
                start = datetime.combine(day, time(hour, rng.choice([0, 15])), tzinfo=zone)
                try:
                    appointment = services.book_appointment(
                        actor=actor,
                        patient=rng.choice(patients),
                        practitioner=practitioner,
                        location=hours.location,
                        appointment_type=kind,
                        start_at=start,
                    )
                except services.Clash:
                    continue  # that patient is already booked then elsewhere
                if appointment.end_at < now:
                    services.move_appointment(actor=actor, appointment=appointment, move="check_in", at=start)
                    services.move_appointment(
                        actor=actor, appointment=appointment, move="check_out", at=appointment.end_at
                    )
