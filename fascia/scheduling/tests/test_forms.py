from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fascia.conftest import make_user
from fascia.core.models import Location, Organization, Room, User
from fascia.practitioners.models import Practitioner
from fascia.scheduling.forms import BookingForm, RescheduleForm
from fascia.scheduling.models import AppointmentType


def posted(practitioner: Practitioner, location: Location, kind: AppointmentType, changes: dict | None = None) -> dict:
    return {
        "patient": str(uuid4()),
        "practitioner": str(practitioner.public_id),
        "location": str(location.public_id),
        "appointment_type": str(kind.pk),
        "day": "2030-01-07",
        "start": "10:00",
        **(changes or {}),
    }


@pytest.fixture
def elsewhere(db) -> tuple[Practitioner, Location, Room]:
    """Another clinic's practitioner, location and room."""
    other = Organization.objects.create(legal_name="Other Clinic", tax_id="98-7654321", group_npi="1245319599")
    place = Location.objects.create(organization=other, name="Across Town")
    user = make_user(other, "otto", "practitioner")
    practitioner = Practitioner.objects.create(user=user, npi="1295723567", license_number="9", license_state="WA")
    return practitioner, place, Room.objects.create(location=place, name="Room 9")


def test_a_posted_booking_finds_the_rows_it_names_among_those_offered(tess: User, location: Location) -> None:
    kind = AppointmentType.objects.get(code="follow-up-30")
    room = Room.objects.create(location=location, name="Room 1")
    form = BookingForm(
        posted(tess.practitioner, location, kind, {"room": str(room.public_id)}), organization=location.organization
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert (data["practitioner"], data["location"], data["appointment_type"], data["room"]) == (
        tess.practitioner,
        location,
        kind,
        room,
    )
    with CaptureQueriesContext(connection) as queries:  # what the booking writes names: read with them
        assert (str(data["practitioner"]), data["room"].location) == (str(tess.practitioner), location)
    assert len(queries) == 0


@pytest.mark.parametrize("form_class", [BookingForm, RescheduleForm])
def test_a_row_not_offered_is_not_a_valid_choice(
    form_class: type, tess: User, location: Location, elsewhere: tuple[Practitioner, Location, Room]
) -> None:
    """Another clinic's practitioner, location or room, a practitioner whose account is closed, text that is
    no id, and (booking) a type no longer offered: each refused in its field, never looked up elsewhere."""
    kind = AppointmentType.objects.get(code="follow-up-30")
    their_practitioner, their_location, their_room = elsewhere
    closed = make_user(location.organization, "cleo", "practitioner", active=False)
    gone = Practitioner.objects.create(user=closed, npi="1639123456", license_number="2", license_state="WA")
    retired = AppointmentType.objects.create(code="retired", name="Retired", minutes=30, is_active=False)
    refused = [
        ("practitioner", str(their_practitioner.public_id)),
        ("practitioner", str(gone.public_id)),
        ("practitioner", "not-an-id"),
        ("location", str(their_location.public_id)),
        ("location", str(uuid4())),
        ("room", str(their_room.public_id)),
        ("room", "12"),
    ]
    if form_class is BookingForm:
        refused += [("appointment_type", str(retired.pk)), ("appointment_type", "abc")]
    for field, value in refused:
        form = form_class(posted(tess.practitioner, location, kind, {field: value}), organization=location.organization)
        assert not form.is_valid()
        assert list(form.errors) == [field], (field, value, form.errors)
        assert "Select a valid choice" in form.errors[field][0]
