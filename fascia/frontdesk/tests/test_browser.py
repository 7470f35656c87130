"""The front desk checks a patient in from the Today board, in one tap and without a reload, on a desktop, a
tablet and a phone; the board has no axe-core violation and does not scroll sideways."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from fascia.conftest import PASSWORD
from fascia.core.models import Location, User
from fascia.patients.tests.factories import PatientFactory
from fascia.scheduling.models import Appointment, AppointmentType

WIDTHS = (1366, 768, 390)
CLINIC = ZoneInfo("America/New_York")
DAY = date(2030, 3, 4)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_front_desk_checks_a_patient_in_from_the_today_board(
    live_server, page, frank: User, tess: User, location: Location, width: int
) -> None:
    with time_machine.travel(datetime.combine(DAY, time(10, 15), tzinfo=CLINIC), tick=True):
        patient = PatientFactory(organization=location.organization, family_name="Rosales", given_name="Ravi")
        start = datetime.combine(DAY, time(10, 30), tzinfo=CLINIC)
        appointment = Appointment.objects.create(
            patient=patient,
            practitioner=tess.practitioner,
            location=location,
            appointment_type=AppointmentType.objects.get(code="follow-up-30"),
            start_at=start,
            end_at=start + timedelta(minutes=30),
            created_by=frank,
        )
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("frank")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
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
