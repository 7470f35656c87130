"""The scheduling tests' week: Tess's working hours, and the visit type booked most."""

from datetime import time

import pytest

from fascia.core.models import Location, User
from fascia.scheduling.models import AppointmentType, WorkingHours


@pytest.fixture
def hours(tess: User, location: Location) -> None:
    """Tess works at the location Monday to Friday, 08:00 to 18:00 (a test module may narrow it)."""
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=tess.practitioner, location=location, weekday=weekday, starts=time(8), ends=time(18)
        )


@pytest.fixture
def follow_up(db: None) -> AppointmentType:
    """The 30-minute follow-up, from the migrations' visit types."""
    return AppointmentType.objects.get(code="follow-up-30")
