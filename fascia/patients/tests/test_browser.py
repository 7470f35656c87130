"""The front desk registers a patient in a real browser, fixes a bad date of birth, and finds them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.patients.models import Patient


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_front_desk_registers_a_patient_and_finds_them(live_server, page, frank: User) -> None:
    sign_in(page, live_server, "frank")
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Register a new patient").click()

    page.get_by_label("Last name").fill("Pemberton")
    page.get_by_label("First name").fill("Hannah")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Date of birth").fill(tomorrow.isoformat())
    page.get_by_label("Sex (administrative)").select_option("female")
    page.get_by_label("Phone").first.fill("(206) 555-0163")
    page.get_by_role("button", name="Register patient").click()

    birth_date = page.get_by_label("Date of birth")
    assert birth_date.get_attribute("aria-invalid") == "true"
    assert page.locator("#id_birth_date_error").inner_text() == "The date of birth cannot be in the future."
    assert not Patient.objects.exists()

    birth_date.fill("1984-07-09")
    page.get_by_role("button", name="Register patient").click()
    page.get_by_role("heading", name="Pemberton, Hannah").wait_for()
    mrn = Patient.objects.get().mrn

    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Find a patient").fill("pemb")  # htmx searches as the user types
    results = page.locator("#patient-results")
    results.get_by_role("link", name="Pemberton, Hannah").wait_for()
    assert mrn in results.inner_text()
    page.get_by_label("Find a patient").fill("1984-07-09")
    results.get_by_text("1 patient matching").wait_for()
    results.get_by_role("link", name="Pemberton, Hannah").click()
    page.get_by_text(f"MRN {mrn}").wait_for()
