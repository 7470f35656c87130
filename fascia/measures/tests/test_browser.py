"""A patient answers an ODI between visits on a phone, from the link they were sent: date of birth, ten
questions, thanks; the score is in the chart."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from fascia.core.models import User
from fascia.measures.models import MeasureResult
from fascia.measures.services import open_questionnaire_link
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.tests.factories import active_plan

ANSWERS = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2]  # 12 of 50: 24%


def fits_and_passes_axe(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_answers_an_odi_on_a_phone(live_server, page, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, given_name="Nora")
    active_plan(tess, patient, start=timezone.localdate() - timedelta(days=10))  # ODI 40% at the evaluation
    _, token = open_questionnaire_link(actor=tess, patient=patient, instrument="ODI")
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(live_server.url + reverse("questionnaires:answer", args=[token]))
    assert page.get_by_role("heading", name="Oswestry Disability Index v2.1a").is_visible()
    fits_and_passes_axe(page)
    page.get_by_label("Your date of birth").fill(patient.birth_date.isoformat())
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("group", name="1. Pain intensity").wait_for()
    fits_and_passes_axe(page)
    for number, answer in enumerate(ANSWERS):
        page.locator(f"#item-{number}-{answer}").check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_text("Thank you").wait_for()
    fits_and_passes_axe(page)

    result = MeasureResult.objects.get(source=MeasureResult.Source.PATIENT)
    assert (result.patient, result.responses, result.value) == (patient, ANSWERS, 24.0)
    page.reload()
    assert page.get_by_text("already been answered").is_visible()
