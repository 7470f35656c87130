"""Issue 23's browser test: a practitioner adds "Xarelto 20 mg" with no box ticked, plans deep tissue on the
legs, and sees the caution with its source."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.evaluations.services import record_evaluation_measure, sign_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Medication
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import PlannedTechnique


def fits(page, selector: str) -> bool:
    """Nothing in `selector` reaches past the viewport's right edge (no sideways scrolling for it)."""
    return page.evaluate(
        """s => [...document.querySelectorAll(s + ' *')].every(
            e => e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1)""",
        selector,
    )


def violations(page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in result.response["violations"]]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_typed_anticoagulant_cautions_deep_tissue_on_the_legs(live_server, page, tess: User) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    patient = PatientFactory(organization=tess.organization, family_name="Okafor", given_name="Amara")
    evaluation = complete_draft(tess, patient)
    record_evaluation_measure(actor=tess, evaluation=evaluation, instrument="ODI", responses=[3] * 10)
    sign_evaluation(actor=tess, evaluation=evaluation)

    sign_in(page, live_server, "tess")
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_text("Add medication").click()
    page.locator("#id_medication-name").fill("Xarelto 20 mg")
    page.get_by_role("button", name="Save medication").click()
    page.get_by_text("Medication added.").wait_for()
    medication = Medication.objects.get(patient=patient)
    assert medication.is_anticoagulant is None  # no box ticked: derived from the name
    alerts = page.get_by_label("Alerts")
    assert "Anticoagulant: Xarelto 20 mg" in alerts.inner_text()
    assert violations(page) == []

    page.get_by_role("button", name="Write a plan from the initial evaluation").click()
    page.get_by_role("button", name="Save plan").click()
    page.get_by_text("Plan saved.").wait_for()
    page.get_by_label("Region").select_option("leg-right")
    page.locator("#id_technique-technique").select_option("deep-tissue")
    caution = page.locator("#screening .alert-warning")
    caution.wait_for()
    text = caution.inner_text()
    assert "Anticoagulant therapy (Xarelto 20 mg)" in text
    assert "W&B; REFERENCE.md §8" in text  # its source
    assert violations(page) == []
    page.get_by_label("Reason to go ahead despite a caution").fill("Light pressure on the legs; INR checked")
    page.get_by_role("button", name="Add technique").click()
    page.get_by_text("Technique added.").wait_for()
    planned = PlannedTechnique.objects.get()
    assert (planned.region, planned.screening_level) == ("leg-right", "caution")
    assert planned.findings[0]["source"] == "W&B; REFERENCE.md §8"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_unknown_medication_asks_and_is_corrected_in_place(live_server, page, tess: User) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    patient = PatientFactory(organization=tess.organization)
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_text("Add medication").click()
    page.locator("#id_medication-name").fill("Zorblax 10 mg")
    page.get_by_role("button", name="Save medication").click()
    page.get_by_text("Medication added.").wait_for()
    assert "Anticoagulant or antiplatelet? Zorblax 10 mg" in page.get_by_label("Alerts").inner_text()
    assert violations(page) == []
    page.set_viewport_size({"width": 768, "height": 900})  # a tablet: the page's content still fits
    assert fits(page, "main")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_role("group", name="Zorblax 10 mg: anticoagulant or antiplatelet?").get_by_label("Unknown").check()
    page.get_by_role("button", name="Answer for Zorblax 10 mg").click()
    page.get_by_text("answer saved").wait_for()
    assert "Anticoagulant or antiplatelet? Zorblax 10 mg" in page.get_by_label("Alerts").inner_text()  # still asks

    page.get_by_role("link", name="Correct Zorblax 10 mg").click()
    assert violations(page) == []
    page.set_viewport_size({"width": 768, "height": 900})  # a tablet: the page's content still fits
    assert fits(page, "main")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("Antiplatelet").select_option("true")
    page.get_by_role("button", name="Save medication").click()
    page.get_by_text("“Zorblax 10 mg” saved.").wait_for()
    assert "Antiplatelet: Zorblax 10 mg" in page.get_by_label("Alerts").inner_text()
    entry = Medication.objects.get(patient=patient)
    assert (entry.is_antiplatelet, entry.status, entry.bleeding_answer) == (True, "active", "unknown")
