"""A practitioner marks the body chart in a real browser, saves, reloads and sees the marks."""

import pytest

from fascia.conftest import PASSWORD
from fascia.core.models import User
from fascia.evaluations.models import Evaluation
from fascia.evaluations.services import start_evaluation
from fascia.patients.tests.factories import PatientFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_body_chart_marks_survive_save_and_reload(live_server, page, tess: User) -> None:
    evaluation = start_evaluation(actor=tess, patient=PatientFactory(organization=tess.organization))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("tess")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/evaluations/{evaluation.public_id}/edit/")

    page.get_by_label("Mark", exact=True).select_option("numbness")
    page.get_by_label("Intensity (1-10)").fill("4")
    page.get_by_role("button", name="Mark Lower back (back)").click()
    page.get_by_role("button", name="Mark Right hand (front)").focus()
    page.keyboard.press("Enter")  # the chart works from the keyboard too
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()

    page.reload()
    marks = page.locator("[data-mark-list] li")
    assert marks.count() == 2
    assert marks.nth(0).inner_text().startswith("Lower back (back): numbness, intensity 4")
    assert page.get_by_role("button", name="Mark Lower back (back)").get_attribute("aria-pressed") == "true"
    assert page.get_by_role("button", name="Mark Left hand (front)").get_attribute("aria-pressed") == "false"
    evaluation = Evaluation.objects.get()
    assert {m["region"] for m in evaluation.body_marks} == {"back-lower-back", "front-hand-right"}
