from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.conftest import login, make_user, sign_in
from fascia.core.models import Location, Room, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import Practitioner
from fascia.scheduling.models import Appointment, AppointmentType, WaitlistEntry, WorkingHours
from fascia.scheduling.services import book_appointment
from fascia.visits.models import VisitNote

MONDAY = date(2030, 1, 7)


@pytest.fixture
def hours(tess: User, location: Location) -> None:
    tess.practitioner.locations.add(location)
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=0, starts=time(8), ends=time(18)
    )


def test_the_day_costs_the_same_queries_for_1_or_10_appointments(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    kind = AppointmentType.objects.get(code="follow-up-30")

    def book_at(hour: int, minute: int) -> None:
        book_appointment(
            actor=frank,
            patient=PatientFactory(organization=location.organization),
            practitioner=tess.practitioner,
            location=location,
            appointment_type=kind,
            start_at=datetime(2030, 1, 7, hour, minute, tzinfo=ZoneInfo("America/New_York")),
        )

    login(client, frank)
    url = f"{reverse('scheduling:day')}?date=2030-01-07&location={location.public_id}"
    book_at(8, 0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(9):
        book_at(9 + n // 2, 30 * (n % 2))
    with CaptureQueriesContext(connection) as ten:
        r = client.get(url)
    assert len(one) == len(ten)
    assert r.content.decode().count("data-appointment ") == 10


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_front_desk_books_a_follow_up_from_the_day_view(
    live_server, page, frank: User, tess: User, location: Location, hours: None
) -> None:
    PatientFactory(organization=location.organization, family_name="Yarrow", given_name="Ruth")
    sign_in(page, live_server, "frank")
    page.goto(f"{live_server.url}{reverse('scheduling:day')}?date={MONDAY}&location={location.public_id}")
    page.get_by_role("link", name="Book Tess Test, LMT at 10:00").click()
    page.get_by_label("Find the patient").fill("yarr")
    page.get_by_label("Yarrow, Ruth", exact=False).check()
    page.locator("#id_appointment_type").select_option(label="Follow-up, 45 minutes (45 min)")
    page.get_by_role("button", name="Book").click()
    page.get_by_text("Booked Yarrow, Ruth").wait_for()
    block = page.locator(".appt")
    assert "10:00–10:45" in block.inner_text()
    appointment = Appointment.objects.get()
    assert appointment.start_at == datetime(2030, 1, 7, 10, tzinfo=ZoneInfo("America/New_York"))


def test_the_next_free_slot_page_links_to_booking(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    login(client, frank)
    kind = AppointmentType.objects.get(code="follow-up-60")
    r = client.get(
        reverse("scheduling:free"), {"appointment_type": kind.pk, "practitioner": tess.practitioner.public_id}
    )
    assert len(r.context["slots"]) == 10
    start, practitioner, _ = r.context["slots"][0]
    assert practitioner == tess.practitioner and start.weekday() == 0 and start.hour >= 8
    assert f"practitioner={tess.practitioner.public_id}" in r.content.decode()


def test_a_series_from_the_booking_form(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=2, starts=time(8), ends=time(18)
    )
    patient = PatientFactory(organization=location.organization)
    login(client, frank)
    form = {
        "patient": patient.public_id,
        "practitioner": tess.practitioner.public_id,
        "location": location.public_id,
        "appointment_type": AppointmentType.objects.get(code="follow-up-30").pk,
        "day": "2030-01-07",
        "start": "09:00",
        "notes": "Plan: 2x/week",
    }
    r = client.post(reverse("scheduling:book"), {**form, "repeat_weekdays": ["0", "2"]})
    assert "choose the weekdays and the number of weeks" in r.content.decode()
    r = client.post(reverse("scheduling:book"), {**form, "repeat_weekdays": ["0", "2"], "repeat_weeks": "3"})
    assert r.status_code == 302
    assert Appointment.objects.filter(patient=patient, notes="Plan: 2x/week").count() == 6


def test_the_waitlist_shows_on_the_days_it_fits(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    patient = PatientFactory(organization=location.organization, family_name="Quayle", given_name="Nora")
    login(client, frank)
    kind = AppointmentType.objects.get(code="follow-up-30")
    r = client.post(
        reverse("scheduling:waitlist"),
        {"patient": patient.public_id, "appointment_type": kind.pk, "earliest": "2030-01-10", "latest": "2030-01-05"},
    )
    assert "must end on or after its start" in r.content.decode()
    r = client.post(
        reverse("scheduling:waitlist"),
        {
            "patient": patient.public_id,
            "appointment_type": kind.pk,
            "earliest": "2030-01-05",
            "latest": "2030-01-10",
            "notes": "Mornings only",
        },
    )
    assert r.status_code == 302
    day = f"{reverse('scheduling:day')}?location={location.public_id}&date="
    assert "Quayle, Nora" in client.get(day + "2030-01-07").content.decode()
    assert "Quayle, Nora" not in client.get(day + "2030-01-14").content.decode()
    # An entry for another location does not show here; one for this location does.
    elsewhere = Location.objects.create(organization=location.organization, name="Uptown", place_of_service="11")
    other = PatientFactory(organization=location.organization, family_name="Ortiz", given_name="Lena")
    entry = WaitlistEntry.objects.create(
        patient=other,
        location=elsewhere,
        appointment_type=kind,
        earliest=date(2030, 1, 5),
        latest=date(2030, 1, 10),
        created_by=frank,
    )
    assert "Ortiz, Lena" not in client.get(day + "2030-01-07").content.decode()
    entry.location = location
    entry.save()
    assert "Ortiz, Lena" in client.get(day + "2030-01-07").content.decode()


def test_resolving_a_waitlist_entry_returns_to_this_site_only(client: Client, frank: User, location: Location) -> None:
    kind = AppointmentType.objects.get(code="follow-up-30")
    entries = [
        WaitlistEntry.objects.create(
            patient=PatientFactory(organization=location.organization),
            location=location,
            appointment_type=kind,
            earliest=date(2030, 1, 5),
            latest=date(2030, 1, 10),
            created_by=frank,
        )
        for _ in range(2)
    ]
    login(client, frank)
    day = f"{reverse('scheduling:day')}?date=2030-01-07"
    r = client.post(reverse("scheduling:waitlist_resolve", args=[entries[0].public_id]), {"next": day})
    assert r.status_code == 302 and r["Location"] == day
    r = client.post(
        reverse("scheduling:waitlist_resolve", args=[entries[1].public_id]), {"next": "https://elsewhere.example/"}
    )
    assert r.status_code == 302 and r["Location"] == reverse("scheduling:waitlist")
    assert WaitlistEntry.objects.filter(resolved_at__isnull=False).count() == 2


def test_past_slots_offer_no_booking(client: Client, frank: User, tess: User, location: Location, hours: None) -> None:
    login(client, frank)
    r = client.get(reverse("scheduling:day"), {"date": "2020-01-06", "location": location.public_id})
    assert 'aria-label="Book ' not in r.content.decode()
    r = client.get(reverse("scheduling:day"), {"date": "2030-01-07", "location": location.public_id})
    assert 'aria-label="Book Tess Test, LMT at 10:00"' in r.content.decode()


def test_the_day_shows_note_states_cancellations_and_visiting_practitioners(
    client: Client, frank: User, tess: User, location: Location, hours: None
) -> None:
    kind = AppointmentType.objects.get(code="follow-up-30")
    visitor = Practitioner.objects.create(  # works elsewhere, booked here twice
        user=make_user(location.organization, "vera", Role.PRACTITIONER),
        npi=with_check_digit("123456781"),
        license_number="MA60000002",
        license_state="WA",
    )

    def appointment(practitioner: Practitioner, hour: int, family_name: str, **fields: object) -> Appointment:
        start = datetime(2030, 1, 7, hour, tzinfo=ZoneInfo("America/New_York"))
        return Appointment.objects.create(
            patient=PatientFactory(organization=location.organization, family_name=family_name, given_name="Ann"),
            practitioner=practitioner,
            location=location,
            appointment_type=kind,
            start_at=start,
            end_at=start + timedelta(minutes=30),
            created_by=frank,
            **fields,
        )

    for hour, status in ((9, VisitNote.Status.DRAFT), (10, VisitNote.Status.SIGNED)):
        a = appointment(tess.practitioner, hour, f"Noted{hour}")
        VisitNote.objects.create(
            patient=a.patient, practitioner=tess.practitioner, appointment=a, visited_on=MONDAY, created_by=tess
        )
        VisitNote.objects.filter(appointment=a).update(status=status)
    appointment(visitor, 9, "Visiting", room=Room.objects.create(location=location, name="Room 2"))
    appointment(visitor, 11, "Gone", status=Appointment.Status.CANCELLED, cancel_reason="Flu")
    login(client, tess)
    page = client.get(reverse("scheduling:day"), {"date": "2030-01-07", "location": location.public_id}).content
    page = page.decode()
    assert page.count('<section class="book-col"') == 2  # tess, and the visitor once
    assert 'aria-label="Note for Noted9, Ann at 09:00">Note (draft)</button>' in page
    assert 'aria-label="Note for Noted10, Ann at 10:00">Note ✓</button>' in page
    assert 'aria-label="Note for Visiting, Ann at 09:00">Note</button>' in page
    assert f'09:00–09:30 · <span class="appt-status">Booked</span> · {kind.name} · Room 2' in page
    assert "11:00 Gone, Ann with Vera Test — cancelled: Flu" in page


def test_the_note_link_has_a_text_for_every_note_status() -> None:
    from fascia.scheduling.agenda import NOTE_TEXT

    assert set(NOTE_TEXT) == {None, *VisitNote.Status.values}
