"""A practitioner marks the body chart in a real browser, saves, reloads and sees the marks; and records what
was done about a red flag on a phone, after which the plan is activated."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.evaluations.models import Evaluation, RedFlagClearance
from fascia.evaluations.services import sign_evaluation, start_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_browser_medications import fits, violations
from fascia.plans.models import TreatmentPlan
from fascia.plans.services import add_goal, add_technique, create_plan
from fascia.techniques.models import Technique

START = date(2026, 11, 3)


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_body_chart_marks_survive_save_and_reload(live_server, page, tess: User) -> None:
    evaluation = start_evaluation(actor=tess, patient=PatientFactory(organization=tess.organization))
    sign_in(page, live_server, "tess")
    page.goto(f"{live_server.url}/evaluations/{evaluation.public_id}/edit/")

    page.get_by_label("Mark", exact=True).select_option("numbness")
    page.get_by_label("Intensity (1-10)").fill("4")
    page.get_by_role("button", name="Mark Lower back (back)").click()
    page.get_by_role("button", name="Mark Right hand (front)").focus()
    page.keyboard.press("Enter")  # the chart works from the keyboard too
    page.get_by_role("button", name="Save pain and body chart").click()
    page.locator("#section-pain").get_by_text("Saved.").wait_for()  # the section alone, in place
    # Each kind of mark has its colour on the figure (and its symbol, from the legend), once the chart's script has
    # drawn the swapped-in section (expect retries: CI on SQLite once read the class before it was drawn).
    expect(page.locator('[data-region="back-lower-back"]')).to_have_class(re.compile(r"\bkind-numbness\b"))
    expect(page.locator('[data-symbol-for="back-lower-back"]')).to_have_text("○")

    page.reload()
    marks = page.locator("[data-mark-list] li")
    assert marks.count() == 2
    assert marks.nth(0).inner_text().startswith("Lower back (back): numbness, intensity 4")
    assert page.get_by_role("button", name="Mark Lower back (back)").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="Mark Left hand (front)").get_attribute("aria-pressed") == "false"
    evaluation = Evaluation.objects.get()
    assert {m["region"] for m in evaluation.body_marks} == {"back-lower-back", "front-hand-right"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clearance_recorded_on_a_phone_lets_the_plan_be_activated(live_server, page, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    evaluation = sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient, red_flags=["weight_loss"]))
    plan = create_plan(
        actor=tess, evaluation=evaluation, start_date=START, visits_per_week=1, duration_weeks=4, planned_visits=4
    )
    add_goal(
        diagnoses=["M54.50"],
        actor=tess,
        plan=plan,
        term="long",
        measure="function",
        description="Walks to the shop",
        target=20,
        unit="minutes",
        target_date=START + timedelta(weeks=4),
    )
    add_technique(
        diagnoses=["M54.50"],
        actor=tess,
        plan=plan,
        technique=Technique.objects.get(code="swedish"),
        region="upper-back",
        override_reason="Gentle work only, checked with the patient.",
    )
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, live_server, "tess")

    plan_url = live_server.url + reverse("plans:detail", args=[plan.public_id])
    page.goto(plan_url)
    page.get_by_role("button", name="Activate plan").click()
    page.get_by_text("red flag awaits a referral or clearance: Unexplained weight loss").wait_for()
    assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.DRAFT

    page.goto(live_server.url + reverse("evaluations:detail", args=[evaluation.public_id]))
    red_flags = page.locator("#red-flags")
    assert "Unexplained weight loss: no referral or clearance recorded (treatment waits for one)" in (
        red_flags.inner_text()
    )
    # At 390 px the form fits and the page does not scroll sideways (the wide tables scroll in their own box).
    assert fits(page, "#red-flags") and not scrolls_sideways(page)
    assert violations(page) == []
    today = timezone.localdate()
    page.get_by_role("combobox", name="Red flag").select_option("weight_loss")
    page.get_by_label("Cleared for treatment").check()
    page.get_by_label("Referred to or cleared by (name, provider)").fill("Dr Ruth Okafor, GP")
    red_flags.get_by_label("Date").fill(today.isoformat())
    page.get_by_role("button", name="Record referral or clearance").click()
    page.get_by_text("Recorded: Unexplained weight loss, cleared for treatment.").wait_for()
    assert f"Unexplained weight loss: cleared for treatment by Dr Ruth Okafor, GP on {today:%Y-%m-%d}" in (
        red_flags.inner_text()
    )
    assert fits(page, "#red-flags") and not scrolls_sideways(page)
    assert violations(page) == []
    clearance = RedFlagClearance.objects.get()
    assert (clearance.flag, clearance.kind, clearance.decided_on) == ("weight_loss", "cleared", today)

    page.goto(plan_url)
    page.get_by_role("button", name="Activate plan").click()
    page.get_by_text("The plan is active.").wait_for()
    assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.ACTIVE
