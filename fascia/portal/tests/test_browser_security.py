"""On a phone (390 px), a patient turns two-step sign-in on from the menu (Security), signs out, and signs in again
with their password and then the code; each page fits the screen and passes axe."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.core.models import User
from fascia.core.tests.test_auth import current_code
from fascia.measures.tests.test_browser import fits_and_passes_axe
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account, portal_sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_turns_on_two_step_sign_in_and_signs_in_with_it_on_the_phone(live_server, page, frank: User) -> None:
    account = patient_account(PatientFactory(organization=frank.organization, given_name="Nora"))
    page.set_viewport_size({"width": 390, "height": 844})
    portal_sign_in(page, live_server, account)
    page.get_by_role("heading", name="Hello, Nora").wait_for()

    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("link", name="Security", exact=True).click()
    page.get_by_role("heading", name="Two-step sign-in").wait_for()
    fits_and_passes_axe(page)
    device = TOTPDevice.objects.get(user=account, confirmed=False)
    page.get_by_label("The 6-digit code your authenticator app shows").fill(current_code(device))
    page.get_by_role("button", name="Turn two-step sign-in on").click()
    page.get_by_text("Two-step sign-in is on").first.wait_for()
    fits_and_passes_axe(page)

    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("button", name="Sign out").click()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same time step may be used again here
    portal_sign_in(page, live_server, account)
    page.get_by_role("heading", name="Enter your code").wait_for()
    fits_and_passes_axe(page)
    page.get_by_label("The 6-digit code your authenticator app shows").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Hello, Nora").wait_for()
