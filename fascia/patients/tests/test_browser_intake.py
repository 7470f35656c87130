"""Staff review a patient's intake on a desktop (1366 px): the chart says there is one, the page shows what is
new and changed, and accepting and rejecting items moves the chart, with axe finding nothing."""

import pytest

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.patients.intake import submit_intake
from fascia.patients.models import Source
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_browser_medications import violations
from fascia.visits.tests.test_browser_tablet import DESKTOP, scrolls_sideways


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_practitioner_reviews_an_intake(live_server, page, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, family_name="Okafor", given_name="Amara", phone="")
    submit_intake(
        actor=tess,
        patient=patient,
        data={
            "demographics": {"phone": "206-555-0199"},
            "medications": [{"name": "warfarin", "dose": "5 mg daily"}],
            "allergies": [{"substance": "Almond oil", "category": "oil-lotion", "reaction": "Hives"}],
            "complaint": {"complaint": "Low back pain", "goals": "Garden again", "pain_regions": ["lower-back"]},
        },
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_role("link", name="Intake to review").click()
    page.get_by_role("heading", name="Intake from the patient").wait_for()
    assert violations(page) == []
    assert not scrolls_sideways(page)

    page.get_by_role("button", name="Accept Medication").click()
    page.get_by_text("Medication: accepted.").wait_for()
    page.get_by_role("button", name="Reject Allergy").click()
    page.get_by_text("Allergy: rejected.").wait_for()
    assert violations(page) == []
    assert patient.medications.get().source == Source.PATIENT
    assert not patient.allergies.exists()

    page.get_by_role("button", name="Accept Phone").click()
    page.get_by_role("button", name="Accept Complaint, goals and pain").click()
    page.get_by_text("Nothing left to review.").wait_for()
    patient.refresh_from_db()
    assert patient.phone == "206-555-0199"
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_text("Anticoagulant: warfarin").wait_for()  # the chart's alert, as for a staff-typed warfarin
    assert page.get_by_text("From the patient's intake").count() == 1  # the medication, not the phone
    assert page.get_by_role("link", name="Intake to review").count() == 0
