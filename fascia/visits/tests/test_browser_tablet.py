"""Issue 26, point 4 in a real browser: on a tablet (768 px) a practitioner adds goals and techniques to a plan
without a reload, keeps the technique and region through a caution, writes the evaluation a section at a time, and
documents and signs a note whose caution's reason carries from the plan; axe finds nothing at 1366, 768 and 390 px
and no page of the practitioner's scrolls sideways at 768 px. Screenshots go to docs/screenshots/."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from fascia.conftest import sign_in
from fascia.core.models import Location, User
from fascia.evaluations.services import record_evaluation_measure, sign_evaluation, start_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients import services as patient_services
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_browser_medications import violations
from fascia.plans.models import PlannedTechnique, TreatmentPlan
from fascia.plans.tests.factories import draft_plan
from fascia.visits.models import VisitNote
from fascia.visits.services import start_note

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
TABLET, PHONE, DESKTOP = {"width": 768, "height": 1024}, {"width": 390, "height": 844}, {"width": 1366, "height": 900}
REASON = "INR stable; moderate pressure only"


# What reaches past the right edge outside a scrolling box: named when a page scrolls sideways.
PROBE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !e.closest('.table-responsive'))
  .map(e => e.tagName + '.' + e.className).slice(0, 8)"""


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_practitioner_plans_and_signs_on_a_tablet(live_server, page, tess: User, location: Location) -> None:
    patient = PatientFactory(organization=tess.organization, family_name="Okafor", given_name="Amara")
    patient_services.add_history_entry(
        actor=tess, patient=patient, kind="medication", name="Apixaban", is_anticoagulant=True
    )
    draft = complete_draft(tess, patient)
    record_evaluation_measure(actor=tess, evaluation=draft, instrument="ODI", responses=[3] * 10)
    today = date.today()
    plan = draft_plan(tess, patient, evaluation=sign_evaluation(actor=tess, evaluation=draft), start_date=today)
    page.set_viewport_size(TABLET)
    sign_in(page, live_server, "tess")
    # The menu is folded behind its button at tablet width, Sign out within reach once opened.
    assert not page.get_by_role("button", name="Sign out").is_visible()
    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("button", name="Sign out").wait_for()
    assert page.get_by_role("button", name="Sign out").bounding_box()["x"] < 768

    page.goto(live_server.url + reverse("plans:detail", args=[plan.public_id]))
    page.evaluate("window.stillTheSamePage = true")  # gone if anything below reloads the page
    page.get_by_text("Add a goal").click()
    page.get_by_label("Term").select_option("long")
    page.get_by_label("Measure").select_option("instrument")
    page.get_by_label("Instrument").select_option("ODI")
    page.get_by_label("Description").fill("Sit through a workday")
    page.get_by_label("Target", exact=True).fill("30")
    page.get_by_label("Target date").fill((today + timedelta(weeks=6)).isoformat())
    page.get_by_role("button", name="Add goal").click()
    page.get_by_text("Goal added.").wait_for()
    # A second goal straight away: the form stays open.
    page.get_by_label("Term").select_option("short")
    page.get_by_label("Measure").select_option("function")
    page.get_by_label("Description").fill("Walk to the shop")
    page.get_by_label("Target", exact=True).fill("20")
    page.get_by_label("Unit").fill("minutes")
    page.get_by_label("Target date").fill((today + timedelta(weeks=3)).isoformat())
    page.get_by_role("button", name="Add goal").click()
    page.locator("#goals").get_by_text("Walk to the shop").first.wait_for()
    assert page.locator("#goals tbody tr").count() == 2

    page.get_by_label("Region").select_option("lower-back")
    page.locator("#id_technique-technique").select_option("deep-tissue")
    page.locator("#screening .alert-warning").wait_for()
    page.get_by_role("button", name="Add technique").click()
    page.get_by_text("needs a written reason").wait_for()
    # The caution kept the technique and region: only the reason is typed.
    assert page.locator("#id_technique-technique").input_value() == "deep-tissue"
    assert page.get_by_label("Region").input_value() == "lower-back"
    assert "Anticoagulant therapy (Apixaban)" in page.locator("#screening").inner_text()
    page.get_by_label("Reason to go ahead despite a caution").fill(REASON)
    page.get_by_role("button", name="Add technique").click()
    page.get_by_text("Technique added.").wait_for()
    assert page.evaluate("window.stillTheSamePage === true")  # no reload for any of it
    assert PlannedTechnique.objects.get().override_reason == REASON
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.get_by_role("button", name="Activate plan").click()
    page.get_by_text("The plan is active.").wait_for()
    assert TreatmentPlan.objects.get(pk=plan.pk).status == TreatmentPlan.Status.ACTIVE

    note = start_note(actor=tess, patient=patient)
    page.goto(live_server.url + reverse("visits:edit", args=[note.public_id]))
    headings = page.locator("#note-form h2").all_inner_texts()
    assert [h[0] for h in headings] == ["S", "O", "O", "A", "P"]  # S, O (findings, treatment), A, P
    # The plan's reason for the same technique, region and fact is offered, to check.
    assert page.get_by_label("Reason to go ahead (cautions), row 1").input_value() == REASON
    page.get_by_label("Pain before treatment (0-10)").fill("5")
    page.get_by_label("Minutes, row 1").fill("25")
    page.get_by_text("Timed minutes: 25").wait_for()
    page.get_by_label("Pain after treatment (0-10)").fill("3")
    assert not scrolls_sideways(page)
    assert violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "note-768.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.get_by_text("Palpation and range of motion").click()  # its tables scroll in their own boxes
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.set_viewport_size(DESKTOP)
    assert violations(page) == []
    page.set_viewport_size(TABLET)
    page.get_by_role("button", name="Save and sign").click()
    page.get_by_text("Note signed. It is now locked").wait_for()
    signed = VisitNote.objects.get(pk=note.pk)
    assert signed.is_signed and signed.techniques.get().override_reason == REASON


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_evaluation_section_by_section_and_the_body_chart_by_touch(live_server, browser, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization)
    evaluation = start_evaluation(actor=tess, patient=patient)
    context = browser.new_context(viewport=TABLET, has_touch=True)  # a tablet: fingers, not a mouse
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + reverse("evaluations:edit", args=[evaluation.public_id]))
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Chief complaint").fill("Low back pain after lifting")
    page.get_by_role("button", name="Save subjective").click()
    page.locator("#section-subjective").get_by_text("Saved.").wait_for()

    page.get_by_label("Pain now (0-10)").fill("6")
    for kind, region in (
        ("pain", "Lower back (back)"),
        ("tightness", "Right shoulder (back)"),
        ("numbness", "Left thigh (front)"),
    ):
        page.get_by_label("Mark", exact=True).select_option(kind)
        page.get_by_role("button", name=f"Mark {region}").tap()
    page.get_by_role("button", name="Save pain and body chart").click()
    page.locator("#section-pain").get_by_text("Saved.").wait_for()
    assert page.evaluate("window.stillTheSamePage === true")
    evaluation.refresh_from_db()
    assert evaluation.chief_complaint == "Low back pain after lifting" and evaluation.nprs_now == 6
    assert {m["kind"] for m in evaluation.body_marks} == {"pain", "tightness", "numbness"}
    assert "kind-tightness" in page.locator('[data-region="back-shoulder-right"]').get_attribute("class")
    assert page.locator(".chart-legend li").count() == 5
    for size in (DESKTOP, TABLET, PHONE):
        page.set_viewport_size(size)
        assert not scrolls_sideways(page), size
        assert violations(page) == [], size
    page.set_viewport_size(TABLET)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#section-pain").screenshot(path=str(SCREENSHOTS / "chart-768.png"))

    # The other sections, each with its own save: a measure records with its score (the page comes back to it),
    # the objective and assessment save in place; then the practitioner reviews and signs on the tablet.
    page.get_by_label("Instrument").select_option("NPRS")
    page.get_by_label("1. Pain right now").select_option("6")
    page.get_by_role("button", name="Record measure").click()
    page.locator("#measures").get_by_text("Numeric Pain Rating Scale: 6").wait_for()
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Posture observations").fill("Guarded lumbar flexion")
    page.get_by_label("Motion, row 1").select_option("thoracolumbar-flexion")
    page.get_by_label("Degrees, row 1").fill("50")
    page.get_by_role("button", name="Save objective").click()
    page.locator("#section-objective").get_by_text("Saved.").wait_for()
    page.get_by_label("Clinical impression").fill("Mechanical low back pain")
    page.get_by_label("ICD-10-CM code, row 1").fill("M54.50")
    page.get_by_label("Prognosis", exact=True).select_option("good")
    page.get_by_role("button", name="Save assessment").click()
    page.locator("#section-assessment").get_by_text("Saved.").wait_for()
    assert page.evaluate("window.stillTheSamePage === true")
    page.get_by_role("link", name="Review and sign").first.tap()
    page.get_by_role("button", name="Sign and lock").tap()
    page.get_by_text("Evaluation signed.").wait_for()
    evaluation.refresh_from_db()
    assert evaluation.is_signed and evaluation.posture == "Guarded lumbar flexion" and evaluation.rom
    assert [d.code for d in evaluation.diagnoses.all()] == ["M54.50"]
    assert [m.instrument for m in evaluation.measures.all()] == ["NPRS"]
    # The signed evaluation shows the figure with its marks, each in its kind's colour and symbol.
    assert page.locator("svg.body-figure use").count() == 2
    tightness = page.locator('[data-region="back-shoulder-right"]')
    assert "kind-tightness" in tightness.get_attribute("class")
    assert tightness.evaluate("e => getComputedStyle(e).fill") == "rgb(154, 91, 0)"  # its kind's colour, drawn
    assert page.locator('[data-symbol-for="back-lower-back"]').text_content() == "●"
    assert page.locator(".chart-legend li").count() == 5
    assert not scrolls_sideways(page), page.evaluate(PROBE)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_of_the_practitioners_scrolls_sideways_on_a_tablet(
    live_server, page, tess: User, location: Location
) -> None:
    patient = PatientFactory(organization=tess.organization)
    evaluation = sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    plan = draft_plan(tess, patient, evaluation=evaluation)
    draft = start_evaluation(actor=tess, patient=patient)
    note = start_note(actor=tess, patient=patient)
    urls = [
        reverse("core:home"),
        reverse("patients:list"),
        patient.get_chart_url(),
        reverse("evaluations:detail", args=[evaluation.public_id]),
        reverse("evaluations:edit", args=[draft.public_id]),
        reverse("plans:detail", args=[plan.public_id]),
        reverse("visits:edit", args=[note.public_id]),
        reverse("visits:detail", args=[note.public_id]),
        reverse("visits:dashboard"),
        reverse("scheduling:day"),
        reverse("scheduling:week"),
        reverse("practitioners:mine"),
        reverse("techniques:catalog"),
        reverse("password_change"),
    ]
    page.set_viewport_size(TABLET)
    sign_in(page, live_server, "tess")
    wide = []
    for url in urls:
        page.goto(live_server.url + url)
        if scrolls_sideways(page):
            wide.append(url)
    assert wide == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_chart_and_the_billing_queue_do_not_scroll_sideways(
    live_server, page, tess: User, bill: User
) -> None:
    patient = PatientFactory(organization=tess.organization)
    draft_plan(tess, patient)
    start_note(actor=tess, patient=patient)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + patient.get_chart_url())
    assert not scrolls_sideways(page), page.evaluate(PROBE)
    page.context.clear_cookies()
    sign_in(page, live_server, "bill")
    page.goto(live_server.url + reverse("billing:queue"))
    assert not scrolls_sideways(page)
