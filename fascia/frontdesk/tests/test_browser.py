"""The front desk checks a patient in from the Today board, in one tap and without a reload, on a desktop, a
tablet and a phone; the board keeps itself current without getting in the desk's way; it has no axe-core
violation and does not scroll sideways."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.contrib.sessions.models import Session
from django.urls import reverse

from fascia.conftest import sign_in
from fascia.core.models import Location, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, AppointmentType

WIDTHS = (1366, 768, 390)
CLINIC = ZoneInfo("America/New_York")
DAY = date(2030, 3, 4)


def book(patient: Patient, tess: User, location: Location, at: time) -> Appointment:
    start = datetime.combine(DAY, at, tzinfo=CLINIC)
    return Appointment.objects.create(
        patient=patient,
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=start,
        end_at=start + timedelta(minutes=30),
        created_by=tess,
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_front_desk_checks_a_patient_in_from_the_today_board(
    live_server, page, frank: User, tess: User, location: Location, width: int
) -> None:
    with time_machine.travel(datetime.combine(DAY, time(10, 15), tzinfo=CLINIC), tick=True):
        patient = PatientFactory(organization=location.organization, family_name="Rosales", given_name="Ravi")
        appointment = book(patient, tess, location, time(10, 30))
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, live_server, "frank")
        page.goto(live_server.url + reverse("core:home"))
        if width < 1200:  # the menu folds behind its button below Bootstrap's xl breakpoint
            page.get_by_role("button", name="Show menu").click()
        nav = page.get_by_role("navigation", name="Main").get_by_role("link")
        assert nav.nth(1).inner_text() == "Today"  # first after the brand
        nav.nth(1).click()
        page.get_by_role("heading", name="Today, Monday, March 4").wait_for()
        assert "Missing: Consent to treatment" in page.locator(".today-arrival").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
        assert [v["id"] for v in Axe().run(page).response["violations"]] == []

        page.evaluate("window.stillHere = true")  # gone if the page reloads
        page.get_by_role("button", name="Check in Rosales, Ravi, 10:30").click()
        page.get_by_role("status").filter(has_text="Checked in Rosales, Ravi at 10:1").wait_for()
        assert page.evaluate("window.stillHere === true")
        assert page.get_by_role("button", name="Check out Rosales, Ravi, 10:30").is_visible()
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.ARRIVED
        assert [v["id"] for v in Axe().run(page).response["violations"]] == []


# The board's refresh, as the 60-second poll fires it; True when it went out, False when the board held it back.
REFRESH = """() => {
  const board = document.getElementById("today-board");
  htmx.trigger(board, "refresh");
  return board.classList.contains("htmx-request");
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_board_picks_up_what_happened_elsewhere_without_getting_in_the_way(
    live_server, page, frank: User, tess: User, location: Location, width: int
) -> None:
    with time_machine.travel(datetime.combine(DAY, time(9, 5), tzinfo=CLINIC), tick=True):
        clinic = location.organization
        early = [
            book(PatientFactory(organization=clinic, family_name=f"Early{i}"), tess, location, time(9, 30 * i))
            for i in range(2)
        ]
        arriving = book(
            PatientFactory(organization=clinic, family_name="Mbeki", given_name="Lindiwe"), tess, location, time(10)
        )
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # a CSP refusal, say
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, live_server, "frank")
        page.goto(f"{live_server.url}{reverse('frontdesk:today')}?date={DAY}")
        board = page.locator("#today-board")
        assert "Updated 09:0" in board.inner_text()
        page.evaluate("window.stillHere = true")  # gone if the page reloads

        # At another desk: Mbeki checks in, and a new patient is booked.
        arriving.status, arriving.checked_in_at = Appointment.Status.ARRIVED, arriving.start_at
        arriving.save(update_fields=["status", "checked_in_at"])
        book(PatientFactory(organization=clinic, family_name="Newman", given_name="Nora"), tess, location, time(11))

        # The desk is choosing another day (the menu open on a tablet or a phone): the refresh waits.
        if width < 1200:
            page.get_by_role("button", name="Show menu").click()
            page.locator("#main-nav.show").wait_for()
        page.get_by_label("Date").fill("2030-03-05")
        assert page.evaluate(REFRESH) is False
        page.get_by_role("heading", name="Arrivals").click()  # out of the form
        # Nor while a menu (a <details>) is open on the page: a refresh under it would close it.
        page.evaluate(
            "document.getElementById('arrivals-title').insertAdjacentHTML('afterend', "
            "'<details id=menu open><summary>More</summary></details>')"
        )
        assert page.evaluate(REFRESH) is False
        page.evaluate("document.getElementById('menu').remove()")
        # Nor while the tab is hidden; it catches up as the tab comes back.
        page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true})")
        assert page.evaluate(REFRESH) is False
        assert "Newman" not in board.inner_text()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        scrolled = page.evaluate("window.scrollY")
        with page.expect_request(lambda r: "today-board" in r.headers.get("hx-target", "")) as refresh:
            page.evaluate("delete document.hidden; document.dispatchEvent(new Event('visibilitychange'))")
        assert refresh.value.headers["x-fascia-auto-refresh"] == "true"  # not someone at work: no idle renewal
        page.get_by_role("link", name="Newman, Nora").wait_for()

        assert page.get_by_role("button", name="Check out Mbeki, Lindiwe, 10:00").is_visible()
        assert "3 to arrive" in board.inner_text() and "1 here" in board.inner_text()
        assert page.evaluate("window.stillHere === true")
        assert page.evaluate("window.scrollY") == scrolled
        assert page.get_by_label("Date").input_value() == "2030-03-05"
        assert width >= 1200 or page.locator("#main-nav.show").is_visible()
        # The refreshed board still works: a check-in from it answers in place.
        page.get_by_role("button", name=f"Check in {early[0].patient.display_name}, 09:00").click()
        page.get_by_role("status").filter(has_text="Checked in").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert [v["id"] for v in Axe().run(page).response["violations"]] == []
        assert errors == []

        # Signed out meanwhile (the desk sat idle): the refresh brings up the login page, not inside the board.
        Session.objects.all().delete()
        page.evaluate(REFRESH)
        page.get_by_role("button", name="Sign in").wait_for()
        assert page.locator("#today-board").count() == 0
