"""The appointment book: what the day and week views lay out, and the drop endpoint that moves a block through
the reschedule form and service (refusals change nothing)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, AppointmentType, TimeOff, WorkingHours
from fascia.scheduling.services import book_appointment

MONDAY = date(2030, 1, 7)
ZONE = ZoneInfo("America/New_York")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def hours(tess: User, location: Location) -> None:
    """Tess works at the location on Mondays, 08:00 to 18:00, and never on Sundays."""
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=0, starts=time(8), ends=time(18)
    )


def booked(frank: User, tess: User, location: Location, start: datetime, **fields: object) -> Appointment:
    return book_appointment(
        actor=frank,
        patient=PatientFactory(organization=location.organization, family_name="Yarrow", given_name="Ruth"),
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=start,
        **fields,  # type: ignore[arg-type]
    )


def day_page(client: Client, location: Location, day: date, **query: str) -> str:
    r = client.get(reverse("scheduling:day"), {"date": day.isoformat(), "location": location.public_id, **query})
    assert r.status_code == 200
    return r.content.decode()


def test_only_open_time_books(client: Client, frank: User, tess: User, location: Location, hours: None) -> None:
    TimeOff.objects.create(practitioner=tess.practitioner, starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 13))
    booked(frank, tess, location, at(MONDAY, 10))
    login(client, frank)
    page = day_page(client, location, MONDAY)
    assert 'aria-label="Book Tess Test, LMT at 08:00"' in page
    assert 'aria-label="Book Tess Test, LMT at 17:45"' in page
    for closed in ("07:45", "18:00", "10:00", "10:15", "12:00", "12:45"):  # before, after, booked, time off
        assert f'aria-label="Book Tess Test, LMT at {closed}"' not in page, closed
    assert "slot closed" in page and "slot off" in page
    # The link books that practitioner, place, day and time.
    assert (
        f"/schedule/book/?location={location.public_id}&amp;day=2030-01-07&amp;start=08%3A00"
        f"&amp;practitioner={tess.practitioner.public_id}"
    ) in page
    # Sunday: nobody works, nothing books.
    assert 'aria-label="Book ' not in day_page(client, location, MONDAY - timedelta(days=1))


def test_a_block_spans_its_length_and_links_the_chart(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    a = booked(frank, tess, location, at(MONDAY, 10))
    login(client, frank)
    page = day_page(client, location, MONDAY)
    # 07:00 is row 1: 10:00 is row 13, and 30 minutes span two rows.
    assert "appt status-booked at-13 span-2 " in page
    assert f'<a href="/patients/{a.patient.public_id}/">Yarrow, Ruth</a>' in page
    assert f'data-drop-url="/schedule/{a.public_id}/drop/"' in page
    assert 'aria-label="Move Yarrow, Ruth at 10:00"' in page


def test_billing_sees_the_book_but_cannot_book_or_move(
    client: Client, frank: User, bill: User, tess: User, location: Location, hours: None
) -> None:
    booked(frank, tess, location, at(MONDAY, 10))
    login(client, bill)
    page = day_page(client, location, MONDAY)
    assert "Yarrow, Ruth" in page
    assert 'aria-label="Book ' not in page and "data-drop-url" not in page and "data-grip" not in page


def test_the_room_view_has_a_column_per_room(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    room = Room.objects.create(location=location, name="Cedar")
    Room.objects.create(location=location, name="Birch")
    booked(frank, tess, location, at(MONDAY, 9), room=room)
    booked(frank, tess, location, at(MONDAY, 11))
    login(client, frank)
    page = day_page(client, location, MONDAY, by="room")
    headings = [part.split("</h2>")[0].rsplit(">", 1)[-1] for part in page.split('<h2 class="book-head h6"')[1:]]
    assert headings == ["Birch", "Cedar", "No room"]
    assert f"room={room.public_id}" in page  # open time in Cedar books Cedar
    assert 'aria-label="Book Cedar at 10:00"' in page
    assert 'aria-label="Book Cedar at 09:00"' not in page  # Cedar is taken then


def test_the_week_has_a_column_per_day(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    booked(frank, tess, location, at(MONDAY + timedelta(days=7), 9))  # the next Monday
    booked(frank, tess, location, at(MONDAY, 9))
    login(client, frank)
    r = client.get(reverse("scheduling:week"), {"date": "2030-01-09", "practitioner": tess.practitioner.public_id})
    page = r.content.decode()
    assert [c.heading for c in r.context["columns"]] == [
        "Mon Jan 7",
        "Tue Jan 8",
        "Wed Jan 9",
        "Thu Jan 10",
        "Fri Jan 11",
        "Sat Jan 12",
        "Sun Jan 13",
    ]
    assert page.count("data-appointment ") == 1
    assert '09:00–09:30 · <span class="appt-status">Booked</span> · Follow-up, 30 minutes · Main Street Clinic' in page
    assert 'aria-label="Book Tess Test, LMT on Mon Jan 7 at 10:00"' in page
    assert "on Tue Jan 8 at" not in page  # she works Mondays only
    assert f"location={location.public_id}" in page


def drop(client: Client, a: Appointment, **fields: str) -> tuple[int, dict]:
    form = {
        "practitioner": str(a.practitioner.public_id),
        "location": str(a.location.public_id),
        "room": "",
        "day": "2030-01-07",
        "start": "10:00",
        **fields,
    }
    r = client.post(reverse("scheduling:drop", args=[a.public_id]), form)
    return r.status_code, r.json() if r.headers["Content-Type"] == "application/json" else {}


def test_a_drop_moves_the_appointment_and_audits_it(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    a = booked(frank, tess, location, at(MONDAY, 10))
    login(client, frank)
    status, answer = drop(client, a, start="14:15")
    assert status == 200 and answer == {"moved": "Moved Yarrow, Ruth to Mon Jan 07 14:15."}
    a.refresh_from_db()
    assert (a.start_at, a.end_at) == (at(MONDAY, 14, 15), at(MONDAY, 14, 45))  # the same length
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED).count() == 1


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"start": "19:00"}, "is outside Tess Test, LMT's working hours at Main Street Clinic."),
        ({"day": "2030-01-06"}, "is outside Tess Test, LMT's working hours"),  # a Sunday
        ({"start": "12:15"}, "has time off then."),
        ({"start": "11:15"}, "Tess Test, LMT is already booked 11:00–11:30 (Yarrow, Ruth with Tess Test, LMT)."),
        ({"start": "soon"}, "New time: Enter a valid time."),
        ({"practitioner": "nobody"}, "Practitioner: Select a valid choice."),
        ({"minutes": "75"}, "Tess Test, LMT is already booked 11:00–11:30"),  # longer, into the next booking
        ({"start": "17:45", "minutes": "30"}, "is outside Tess Test, LMT's working hours"),  # ends past 18:00
        ({"minutes": "10"}, "Length (minutes): Ensure this value is greater than or equal to 15."),
        ({"minutes": "245"}, "Length (minutes): Ensure this value is less than or equal to 240."),
        ({"minutes": "47"}, "Length (minutes): Ensure this value is a multiple of step size 5"),
        ({"minutes": "half"}, "Length (minutes): Enter a whole number."),
    ],
)
def test_a_refused_drop_changes_nothing_and_says_why(
    client: Client, frank: User, tess: User, location: Location, hours: None, fields: dict, reason: str
) -> None:
    TimeOff.objects.create(practitioner=tess.practitioner, starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 13))
    a = booked(frank, tess, location, at(MONDAY, 10))
    booked(frank, tess, location, at(MONDAY, 11))
    login(client, frank)
    status, answer = drop(client, a, **fields)
    assert status == 409
    assert reason in " ".join(answer["errors"]) and answer["limits"] == []
    a.refresh_from_db()
    assert (a.start_at, a.end_at) == (at(MONDAY, 10), at(MONDAY, 10, 30))
    assert not AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED).exists()


def test_a_drop_changes_the_length_and_the_audit_keeps_the_old_one(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    a = booked(frank, tess, location, at(MONDAY, 10))
    booked(frank, tess, location, at(MONDAY, 11))
    login(client, frank)
    status, answer = drop(client, a, minutes="60")  # up to the next booking
    assert status == 200 and answer == {"moved": "Moved Yarrow, Ruth to Mon Jan 07 10:00 (60 minutes)."}
    a.refresh_from_db()
    assert (a.start_at, a.end_at) == (at(MONDAY, 10), at(MONDAY, 11))
    event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_RESCHEDULED)
    assert event.detail == {"from": "2030-01-07T10:00:00-05:00", "from_minutes": 30}
    status, answer = drop(client, a, start="14:00")  # no length: it keeps the new one
    a.refresh_from_db()
    assert (a.start_at, a.end_at) == (at(MONDAY, 14), at(MONDAY, 15))


def test_the_reschedule_page_offers_the_length(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    a = booked(frank, tess, location, at(MONDAY, 10))
    login(client, frank)
    page = client.get(reverse("scheduling:reschedule", args=[a.public_id])).content.decode()
    assert 'for="id_minutes">Length (minutes)' in page
    assert 'name="minutes" value="30"' in page and 'step="5"' in page
    form = {"practitioner": tess.practitioner.public_id, "location": location.public_id, "day": "2030-01-07"}
    r = client.post(reverse("scheduling:reschedule", args=[a.public_id]), {**form, "start": "10:00", "minutes": "12"})
    assert r.status_code == 200 and "Ensure this value is greater than or equal to 15." in r.content.decode()
    r = client.post(reverse("scheduling:reschedule", args=[a.public_id]), {**form, "start": "10:30", "minutes": "45"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.start_at, a.end_at) == (at(MONDAY, 10, 30), at(MONDAY, 11, 15))


def test_the_drop_refuses_billing_and_other_clinics(
    client: Client, frank: User, bill: User, tess: User, location: Location, hours: None
) -> None:
    a = booked(frank, tess, location, at(MONDAY, 10))
    login(client, bill)
    assert drop(client, a, start="14:00")[0] == 403
    other = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    from fascia.conftest import make_user

    login(client, make_user(other, "otto", Role.FRONT_DESK))
    assert drop(client, a, start="14:00")[0] == 404
    client.logout()
    assert client.post(reverse("scheduling:drop", args=[a.public_id]), {"start": "14:00"}).status_code == 302
    a.refresh_from_db()
    assert a.start_at == at(MONDAY, 10)
