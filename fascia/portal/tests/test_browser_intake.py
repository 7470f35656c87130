"""A patient fills the intake on a phone (390 px): details from the chart corrected, a medication, the
complaint and pain, the questionnaire suited to it (the ODI, for the low back), a photo of the insurance card
(a text file first, refused), then sends it; axe finds nothing on any step and nothing scrolls sideways. The
chart is unchanged until staff review, but for the questionnaire's score, recorded as from the patient."""

import pytest

from fascia.core.models import User
from fascia.measures.models import MeasureResult
from fascia.patients.models import IntakeSubmission
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_browser_medications import violations
from fascia.patients.tests.test_intake import jpeg
from fascia.portal.tests.factories import patient_account, portal_sign_in
from fascia.visits.tests.test_browser_tablet import PHONE, scrolls_sideways


def checked(page) -> None:
    assert violations(page) == []
    assert not scrolls_sideways(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_fills_the_intake_on_a_phone(live_server, browser, tess: User, tmp_path) -> None:
    patient = PatientFactory(organization=tess.organization, family_name="Okafor", given_name="Amara", phone="")
    account = patient_account(patient)
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    portal_sign_in(page, live_server, account)
    page.get_by_role("link", name="Fill in your intake form").click()
    page.get_by_role("heading", name="Your details").wait_for()
    assert page.get_by_label("Last name").input_value() == "Okafor"  # from the chart
    checked(page)

    page.get_by_label("Mobile phone").fill("206 555 01")  # a digit short
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("A phone number has 10 digits").wait_for()
    assert page.get_by_label("Mobile phone").get_attribute("aria-invalid") == "true"
    checked(page)
    page.get_by_label("Mobile phone").fill("206 555 0199")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Medications").wait_for()
    checked(page)
    page.locator("input[name='medications-0-name']").fill("warfarin")
    page.locator("input[name='medications-0-dose']").fill("5 mg daily")
    page.get_by_role("button", name="Save and continue").click()
    for step in ("Allergies", "Health history", "Surgeries and implants"):
        page.get_by_role("heading", name=step, exact=True).wait_for()
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Why you are coming").wait_for()
    page.get_by_label("What brings you in?").fill("Low back pain when sitting")
    page.get_by_label("Lower back").check()
    checked(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="A short questionnaire").wait_for()  # the ODI, for the low back
    page.get_by_text("Oswestry Disability Index", exact=False).first.wait_for()
    checked(page)
    for number, answer in enumerate([3, 2, 2, 1, 2, 2, 1, 0, 2, 1]):
        page.locator(f"#item-{number}-{answer}").check()
    page.get_by_role("button", name="Send my answers").click()

    page.get_by_role("heading", name="Insurance card and send").wait_for()
    assert page.get_by_label("Front of your insurance card").get_attribute("capture") == "environment"
    text = tmp_path / "card.jpg"
    text.write_bytes(b"Member ID 12345\n")
    page.get_by_label("Front of your insurance card").set_input_files(str(text))
    page.get_by_role("button", name="Send to the clinic").click()
    page.get_by_text("Upload a PDF, PNG or JPEG file.").wait_for()
    checked(page)
    photo = tmp_path / "card-front.jpg"
    photo.write_bytes(jpeg(400, 250))
    page.get_by_label("Front of your insurance card").set_input_files(str(photo))
    page.get_by_role("button", name="Send to the clinic").click()
    page.get_by_text("Your intake was sent to the clinic.").wait_for()
    checked(page)
    context.close()

    submission = IntakeSubmission.objects.get(patient=patient)
    assert submission.status == IntakeSubmission.Status.SUBMITTED and submission.card_front
    assert {i.kind for i in submission.items.all()} == {"demographics", "medication", "complaint", "cards"}
    patient.refresh_from_db()
    assert patient.phone == "" and not patient.medications.exists()
    # The questionnaire went to the chart's measures as the patient's, scored.
    result = MeasureResult.objects.get(patient=patient)
    assert (result.instrument, result.value, result.band, result.source) == (
        "ODI",
        32.0,
        "moderate disability",
        "patient",
    )
