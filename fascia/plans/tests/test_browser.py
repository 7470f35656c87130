"""A practitioner builds a plan for a patient on an anticoagulant in a real browser: the screen
shows a caution for deep tissue, it is added only with a written reason, and the plan-of-care
letter goes to the referring provider."""

from datetime import date

import pytest

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.evaluations.services import record_evaluation_measure, sign_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients import services as patient_services
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import PlannedTechnique, TreatmentPlan
from fascia.referrals.models import Correspondence, ReferringProvider
from fascia.referrals.services import record_referral


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_plan_with_a_screened_technique(live_server, page, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, family_name="Okafor", given_name="Amara")
    patient_services.add_history_entry(
        actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
    )
    evaluation = complete_draft(tess, patient)
    record_evaluation_measure(actor=tess, evaluation=evaluation, instrument="ODI", responses=[3] * 10)
    sign_evaluation(actor=tess, evaluation=evaluation)
    provider = ReferringProvider.objects.create(
        organization=tess.organization, kind="physician", name="Dr. Helena Marsh", credentials="MD", npi="1558598797"
    )
    record_referral(
        actor=tess,
        patient=patient,
        provider=provider,
        referral_date=date(2026, 11, 1),
        order="Medical massage 2x/week for 6 weeks",
        visits_authorized=12,
        expires_on=date(2027, 3, 1),
    )

    sign_in(page, live_server, "tess")
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_role("button", name="Write a plan from the initial evaluation").click()
    page.get_by_label("Referral").select_option(label="Referral from Dr. Helena Marsh, MD (2026-11-01)")
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text("Plan saved.").wait_for()

    page.get_by_text("Add a goal").click()
    page.get_by_label("Term").select_option("long")
    page.get_by_label("Measure").select_option("instrument")
    page.get_by_label("Instrument").select_option("ODI")
    page.get_by_label("Description").fill("Sit through a workday")
    page.get_by_label("Target", exact=True).fill("30")
    page.get_by_label("Target date").fill("2027-01-15")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_text("Goal added.").wait_for()
    assert "60" in page.locator("#goals tbody tr").first.inner_text()  # the baseline from the evaluation
    # Its instrument is asked between visits, by default: the questionnaires section says so at once.
    page.locator("#questionnaires").get_by_text("Oswestry Disability Index v2.1a: before every 4 visits").wait_for()
    page.get_by_text("Add a questionnaire").click()
    page.locator("#id_questionnaire-instrument").select_option("NPRS")
    page.get_by_label("When").select_option("days")
    page.get_by_label("Every N").fill("14")
    page.get_by_role("button", name="Add questionnaire").click()
    page.get_by_text("Numeric Pain Rating Scale: every 14 days").wait_for()

    page.get_by_label("Region").select_option("lower-back")
    page.locator("#id_technique-technique").select_option("deep-tissue")
    caution = page.locator("#screening .alert-warning")
    caution.wait_for()
    assert "Anticoagulant therapy (Apixaban)" in caution.inner_text()  # the medication by name
    page.get_by_role("button", name="Add technique").click()
    page.get_by_text("needs a written reason").wait_for()
    assert not PlannedTechnique.objects.exists()

    page.get_by_label("Region").select_option("lower-back")
    page.locator("#id_technique-technique").select_option("deep-tissue")
    page.get_by_label("Reason to go ahead despite a caution").fill("Light-to-moderate pressure; INR stable")
    page.get_by_role("button", name="Add technique").click()
    page.get_by_text("Technique added.").wait_for()
    # What it treats: the evaluation's primary diagnosis, checked to begin with, shown in the row.
    assert [d.code for d in PlannedTechnique.objects.get().diagnoses.all()] == ["M54.50"]
    assert "M54.50" in page.locator("#techniques tbody tr").first.inner_text()
    page.get_by_role("button", name="Activate plan").click()
    page.get_by_text("The plan is active.").wait_for()
    page.locator("#id_letter-kind").select_option("plan-of-care")
    page.get_by_label("Sent by").select_option("fax")
    # The preview opens in a new tab and logs nothing; the plan stays in this one. Logging waits for it.
    assert page.get_by_role("button", name="Log as sent").is_disabled()
    with page.context.expect_page() as preview_tab:
        page.get_by_role("button", name="Preview PDF").click()
    preview_tab.value.close()
    assert not Correspondence.objects.exists()
    page.get_by_role("button", name="Log as sent").click()
    page.get_by_text("Plan of care letter logged as sent by fax").wait_for()
    sent = Correspondence.objects.get()
    assert (sent.kind, sent.method, sent.provider) == ("plan-of-care", "fax", provider)
    planned = PlannedTechnique.objects.get()
    assert planned.screening_level == "caution" and planned.override_reason.startswith("Light-to-moderate")
    assert TreatmentPlan.objects.get().status == "active"
