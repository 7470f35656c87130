"""A patient books a visit on a phone (390 px): a type, a free time, confirm; then sees it with its buttons."""

from datetime import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from fascia.core.models import Location, Organization, User
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import intake_sent, patient_account, portal_sign_in
from fascia.scheduling.models import Appointment, AppointmentType, BookingPolicy, OnlineType, WorkingHours


def fits_and_passes_axe(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_books_a_visit_on_a_phone(
    live_server, page, organization: Organization, location: Location, tess: User
) -> None:
    for weekday in range(7):
        WorkingHours.objects.create(
            practitioner=tess.practitioner, location=location, weekday=weekday, starts=time(8), ends=time(18)
        )
    BookingPolicy.objects.create(organization=organization, online=True)
    OnlineType.objects.create(
        organization=organization,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        for_new=True,
        for_returning=True,
    )
    patient = PatientFactory(organization=organization, given_name="Nora")
    user = patient_account(patient)
    intake_sent(patient)
    page.set_viewport_size({"width": 390, "height": 844})
    portal_sign_in(page, live_server, user)

    page.get_by_role("link", name="Book a visit").click()
    page.get_by_role("heading", name="3. Choose a time").wait_for()
    fits_and_passes_axe(page)
    # A time next week: well before the clinic's 24-hour window, so it can still be cancelled online.
    page.get_by_role("link", name="Later →").click()
    page.locator("a[href*='/my/book/confirm/']").first.click()
    page.get_by_role("button", name="Book this visit").wait_for()
    fits_and_passes_axe(page)
    page.get_by_role("button", name="Book this visit").click()
    page.get_by_text("Your visit is booked.").wait_for()
    fits_and_passes_axe(page)
    assert page.get_by_role("link", name="Cancel").is_visible()
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.created_by == user and appointment.status == "booked"
