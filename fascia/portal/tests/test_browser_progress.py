"""On a phone (390 px), a signed-in patient answers the ODI their plan calls for from the portal's home page,
and sees it as a new point on their progress chart, then finds their bills in the menu; each page fits the screen
and passes axe. The therapist then sees the score against the MCID on My day, on a tablet, before the visit."""

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fascia.conftest import sign_in
from fascia.core.models import Location, User
from fascia.measures.models import MeasureResult
from fascia.measures.tests.test_browser import fits_and_passes_axe
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account, portal_sign_in
from fascia.visits.tests.factories import active_plan, appointment, signed_note
from fascia.visits.tests.test_browser_tablet import TABLET

ANSWERS = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2]  # 12 of 50: 24%


def scores_drawn(chart) -> int:
    """The scores drawn on a chart picture (an SVG data URI), once the browser has loaded it."""
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    svg = base64.b64decode(chart.get_attribute("src").split(",", 1)[1]).decode()
    return svg.count('class="dot ')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_answers_the_due_odi_in_the_portal_and_sees_it_charted(
    live_server, browser, page, tess: User, location: Location
) -> None:
    today = timezone.localdate()
    patient = PatientFactory(organization=tess.organization, given_name="Nora")
    active_plan(tess, patient, start=today - timedelta(days=10))  # ODI 40% at the evaluation, goal 20
    for days_ago in (8, 6, 4):  # visit 4 comes next: the ODI is due
        signed_note(tess, patient, today - timedelta(days=days_ago))
    appointment(tess, patient, location, today)  # today's visit, on the therapist's My day
    account = patient_account(patient)
    page.set_viewport_size({"width": 390, "height": 844})

    portal_sign_in(page, live_server, account)
    page.get_by_role("heading", name="Hello, Nora").wait_for()
    fits_and_passes_axe(page)
    page.get_by_role("link", name="Your progress").click()
    chart = page.get_by_role("img", name="ODI: first score 40")
    chart.wait_for()
    assert scores_drawn(chart) == 1
    fits_and_passes_axe(page)

    page.get_by_role("link", name="Answer the ODI").click()
    page.get_by_role("group", name="1. Pain intensity").wait_for()
    fits_and_passes_axe(page)
    for number, answer in enumerate(ANSWERS):
        page.locator(f"#item-{number}-{answer}").check()
    page.get_by_role("button", name="Send my answers").click()

    page.get_by_text("Thank you: your answers are with your therapist.").wait_for()
    chart = page.get_by_role("img", name="ODI: first score 40")
    assert "Latest score 24" in (chart.get_attribute("alt") or "")
    assert scores_drawn(chart) == 2
    assert page.get_by_role("cell", name="Better by at least the smallest change that matters.").is_visible()
    assert page.get_by_role("link", name="Answer the ODI").count() == 0
    fits_and_passes_axe(page)

    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("link", name="Bills").click()
    page.get_by_text("Pay at the front desk or call the clinic").wait_for()
    fits_and_passes_axe(page)
    result = MeasureResult.objects.get(source=MeasureResult.Source.PATIENT)
    assert (result.patient, result.responses, result.value, result.entered_by) == (patient, ANSWERS, 24.0, account)

    therapist = browser.new_page(viewport=TABLET)
    sign_in(therapist, live_server, "tess")
    therapist.goto(live_server.url + reverse("visits:dashboard"))
    visit = therapist.get_by_role("listitem").filter(has_text=patient.display_name)
    visit.get_by_text("24% (moderate disability), improved by 16 from 40, at least the MCID (10).").wait_for()
    fits_and_passes_axe(therapist)
    therapist.close()
