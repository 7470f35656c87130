"""The patient books, cancels and moves visits online (issue 27 point 4), through the pages, as on a phone."""

import re
from datetime import date, datetime, time
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import intake_sent, patient_account, portal_client
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy, OnlineType, WorkingHours
from fascia.scheduling.tests.factories import CLINIC, at, book
from fascia.visits.tests.factories import signed_note

MONDAY = date(2030, 1, 7)
MONDAY_10 = at(MONDAY, 10)


@pytest.fixture(autouse=True)
def _friday_morning() -> object:
    """The clinic's clock on the Friday before, 09:00: Monday 10:00 is 73 hours away."""
    with time_machine.travel(datetime(2030, 1, 4, 9, tzinfo=CLINIC), tick=False):
        yield


@pytest.fixture
def policy(organization: Organization, tess: User, location: Location) -> BookingPolicy:
    """Online booking open (12 hours' lead, 60 days ahead, a 24-hour window) for the 30-minute follow-up; Tess
    works at the location Monday to Friday, 08:00 to 18:00."""
    for weekday in range(5):
        WorkingHours.objects.create(
            practitioner=tess.practitioner, location=location, weekday=weekday, starts=time(8), ends=time(18)
        )
    OnlineType.objects.create(
        organization=organization,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        for_new=True,
        for_returning=True,
    )
    return BookingPolicy.objects.create(organization=organization, online=True)


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization, given_name="Nora", family_name="Quill")


@pytest.fixture
def signed_in(client, patient: Patient, policy: BookingPolicy):
    signed_in = portal_client(client, patient_account(patient))
    intake_sent(patient)
    return signed_in


def test_a_new_patient_fills_in_the_intake_before_booking(client, patient: Patient, policy: BookingPolicy) -> None:
    portal_client(client, patient_account(patient))
    page = client.get(reverse("portal:book")).content.decode()
    assert "please fill in your intake forms" in page and reverse("portal:intake") in links(page)
    assert "Fill in your intake form" in client.get(reverse("portal:home")).content.decode()
    intake_sent(patient)
    assert "please fill in your intake forms" not in client.get(reverse("portal:book")).content.decode()
    assert "Fill in your intake form" not in client.get(reverse("portal:home")).content.decode()


def test_a_patient_the_front_desk_booked_is_asked_for_the_intake_until_a_visit_is_signed(
    client, patient: Patient, policy: BookingPolicy, tess: User, location: Location
) -> None:
    """Not new any more (a visit is booked), so online booking does not wait for the intake; the home page still
    asks for it until the first visit is signed."""
    book(tess, location, MONDAY_10, patient=patient)
    portal_client(client, patient_account(patient))
    assert "please fill in your intake forms" not in client.get(reverse("portal:book")).content.decode()
    assert "Fill in your intake form" in client.get(reverse("portal:home")).content.decode()
    signed_note(tess, patient, date(2030, 1, 3))
    assert "Fill in your intake form" not in client.get(reverse("portal:home")).content.decode()


def links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def confirm_link(client, when: datetime) -> str:
    """The link the booking page offers for that time (Tess, the one location)."""
    page = client.get(reverse("portal:book")).content.decode()
    start = when.isoformat().replace("+", "%2B").replace(":", "%3A")
    [link] = [href for href in links(page) if href.startswith(reverse("portal:book_confirm")) and start in href]
    return link


def fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


class TestBooking:
    def test_the_patient_books_a_free_time(self, signed_in, patient: Patient) -> None:
        page = signed_in.get(reverse("portal:book")).content.decode()
        assert "Monday, January 7" in page and "10:00 AM" in page
        confirm = signed_in.get(confirm_link(signed_in, MONDAY_10))
        assert confirm.status_code == 200 and "Book this visit" in confirm.content.decode()
        r = signed_in.post(reverse("portal:book_confirm"), fields(confirm.content.decode()))
        assert r.status_code == 302 and r["Location"] == reverse("portal:appointments")
        [appointment] = Appointment.objects.filter(patient=patient)
        assert appointment.start_at == MONDAY_10 and appointment.status == "booked"
        [entry] = AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_BOOKED)
        assert entry.actor.is_patient_account and entry.detail == {"online": True}
        listed = signed_in.get(reverse("portal:appointments")).content.decode()
        assert "Monday, January 7 · 10:00 AM" in listed and "Cancel" in listed

    def test_a_taken_time_is_refused_with_the_reason(
        self, signed_in, patient: Patient, frank: User, location: Location
    ) -> None:
        confirm = signed_in.get(confirm_link(signed_in, MONDAY_10)).content.decode()
        book(frank, location, MONDAY_10)  # the front desk books it first
        r = signed_in.post(reverse("portal:book_confirm"), fields(confirm))
        assert r.status_code == 409
        assert "that time has just been taken. Please choose another time." in r.content.decode()
        assert not Appointment.objects.filter(patient=patient).exists()

    def test_a_time_too_soon_or_made_up_is_refused(self, signed_in, patient: Patient) -> None:
        confirm = fields(signed_in.get(confirm_link(signed_in, MONDAY_10)).content.decode())
        r = signed_in.post(reverse("portal:book_confirm"), confirm | {"start": at(date(2030, 1, 4), 15).isoformat()})
        assert r.status_code == 409 and "closes 12 hours before a visit" in r.content.decode()
        for bad in ({"start": "tomorrow"}, {"start": "2030-01-07T10:00"}, {"type": "not-an-id"}, {"location": ""}):
            r = signed_in.post(reverse("portal:book_confirm"), confirm | bad)
            assert r.status_code == 400 and "Please choose a time from the list" in r.content.decode()
        assert signed_in.get(reverse("portal:book_confirm") + "?start=garbage").status_code == 200
        assert not Appointment.objects.filter(patient=patient).exists()

    def test_nothing_to_book_while_the_clinic_is_closed_online(self, signed_in, policy: BookingPolicy) -> None:
        policy.online = False
        policy.save()
        page = signed_in.get(reverse("portal:book")).content.decode()
        assert "There is nothing you can book online right now. Please call the clinic." in page


class TestCancelAndMove:
    @pytest.fixture
    def visit(self, patient: Patient, frank: User, location: Location, policy: BookingPolicy) -> Appointment:
        return book(frank, location, MONDAY_10, patient=patient)

    def test_the_patient_cancels_within_the_window(self, signed_in, visit: Appointment) -> None:
        assert signed_in.get(reverse("portal:cancel", args=[visit.public_id])).status_code == 200
        r = signed_in.post(reverse("portal:cancel", args=[visit.public_id]), {"reason": "Feeling better"})
        assert r.status_code == 302
        visit.refresh_from_db()
        assert visit.status == "cancelled" and visit.cancel_reason == "Feeling better" and not visit.late_cancellation

    def test_the_patient_moves_a_visit(self, signed_in, visit: Appointment) -> None:
        url = reverse("portal:reschedule", args=[visit.public_id])
        page = signed_in.get(url).content.decode()
        new = at(MONDAY, 14)
        assert any(new.isoformat().replace("+", "%2B").replace(":", "%3A") in href for href in links(page))
        confirm = signed_in.get(url, {"start": new.isoformat()}).content.decode()
        assert "Move my visit" in confirm
        assert signed_in.post(url, fields(confirm)).status_code == 302
        visit.refresh_from_db()
        assert visit.start_at == new and visit.status == "booked"

    def test_outside_the_window_the_patient_is_told_to_call(
        self, signed_in, visit: Appointment, policy: BookingPolicy
    ) -> None:
        policy.cancellation_hours = 96  # Monday 10:00 is 73 hours away
        policy.save()
        listed = signed_in.get(reverse("portal:appointments")).content.decode()
        assert "please call the clinic" in listed and reverse("portal:cancel", args=[visit.public_id]) not in listed
        r = signed_in.post(reverse("portal:cancel", args=[visit.public_id]), {"reason": ""}, follow=True)
        assert "until 96 hours before they start. Please call the clinic." in r.content.decode()
        url = reverse("portal:reschedule", args=[visit.public_id])
        r = signed_in.post(url, {"start": at(MONDAY, 14).isoformat()})
        assert r.status_code == 409 and "Please call the clinic" in r.content.decode()
        visit.refresh_from_db()
        assert visit.status == "booked" and visit.start_at == MONDAY_10

    def test_another_patients_visit_is_not_found(self, client, visit: Appointment, organization: Organization) -> None:
        other = portal_client(client, patient_account(PatientFactory(organization=organization)))
        for name in ("portal:cancel", "portal:reschedule"):
            assert (
                other.post(reverse(name, args=[visit.public_id]), {"start": MONDAY_10.isoformat()}).status_code == 404
            )
        visit.refresh_from_db()
        assert visit.status == "booked"


def test_the_booking_pages_speak_spanish(signed_in, patient: Patient) -> None:
    page = signed_in.get(reverse("portal:book"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "1. ¿Qué tipo de cita?" in page and "3. Elija una hora" in page
    confirm = fields(signed_in.get(confirm_link(signed_in, MONDAY_10)).content.decode())
    soon = confirm | {"start": at(date(2030, 1, 4), 15).isoformat()}
    r = signed_in.post(reverse("portal:book_confirm"), soon, HTTP_ACCEPT_LANGUAGE="es")
    assert "La reserva en línea se cierra 12 horas antes de la cita." in r.content.decode()
