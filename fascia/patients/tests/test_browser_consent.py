"""A patient signs the clinic's consent documents on its device: by mouse on a tablet-sized page (768 px) and by
finger on a phone-sized one (390 px), after the page refuses a signature left out; axe finds nothing, nothing
scrolls sideways, and the signed PDF opens from the chart."""

import re

import pytest
from django.urls import reverse

from fascia.conftest import sign_in
from fascia.core.models import Organization, User
from fascia.patients.models import Consent
from fascia.patients.services import publish_consent_document
from fascia.patients.tests.factories import PatientFactory
from fascia.patients.tests.test_browser_medications import violations
from fascia.visits.tests.test_browser_tablet import PHONE, TABLET, scrolls_sideways


def publish(ada: User, organization: Organization, kind: str, title: str) -> None:
    publish_consent_document(actor=ada, organization=organization, kind=kind, title=title, text=f"{title}: I agree.")


def finger_stroke(context, page) -> None:
    """A zigzag drawn with a finger on the signature pad: Chromium's touch input through the DevTools protocol, a
    real touch stroke (in English or Spanish)."""
    canvas = page.get_by_role("img", name=re.compile("Signature pad|Recuadro de firma"))
    canvas.scroll_into_view_if_needed()
    pad = canvas.bounding_box()
    touch = context.new_cdp_session(page)
    x, y = pad["x"] + 20, pad["y"] + 40
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 10):
        point = {"x": x + step * 25, "y": y + (step % 2) * 30}
        touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(500)  # a finger lifts before it taps: a tap at once would join the stroke's gesture


def drawn(page) -> bool:
    return page.evaluate("document.querySelector('input[name=signature]').value.startsWith('data:image/png')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_signs_by_mouse_and_by_finger(live_server, browser, ada: User, frank: User) -> None:
    publish(ada, frank.organization, "treatment", "Consent to treatment")
    publish(ada, frank.organization, "privacy-notice", "Privacy notice")
    patient = PatientFactory(organization=frank.organization, family_name="Quill", given_name="Nora")

    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, "frank")
    page.goto(live_server.url + patient.get_chart_url())
    page.get_by_role("link", name="Consent to treatment").click()
    page.get_by_role("heading", name="Consent to treatment").wait_for()
    assert not scrolls_sideways(page)
    assert violations(page) == []

    page.get_by_role("button", name="Sign", exact=True).click()  # nothing agreed, typed or drawn
    page.locator("#signature-error").wait_for()
    assert "Draw your signature" in page.locator("#signature-error").inner_text()
    assert page.get_by_label("Your full name").get_attribute("aria-invalid") == "true"
    assert violations(page) == []
    assert not Consent.objects.exists()

    page.get_by_label("I agree to sign this document electronically").check()
    page.get_by_label("Your full name").fill("Nora Quill")
    pad = page.get_by_role("img", name="Signature pad").bounding_box()
    page.mouse.move(pad["x"] + 20, pad["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 20 + step * 25, pad["y"] + 60 + (step % 3) * 15)
    page.mouse.up()
    assert drawn(page)
    page.get_by_role("button", name="Clear").click()
    assert not drawn(page)
    page.mouse.move(pad["x"] + 30, pad["y"] + 40)
    page.mouse.down()
    page.mouse.move(pad["x"] + 200, pad["y"] + 90, steps=8)
    page.mouse.up()
    page.get_by_role("button", name="Sign", exact=True).click()
    page.get_by_text("Consent to treatment signed.").wait_for()
    consent = Consent.objects.get()
    assert consent.kind == "treatment" and consent.signed_pdf
    with consent.signed_pdf.open("rb") as f:
        assert b"/Subtype /Image" in f.read()  # the drawing is on the PDF
    with page.expect_response(lambda r: "/pdf/" in r.url) as opened:
        page.get_by_role("link", name="signed PDF").click()
    assert opened.value.headers["content-type"] == "application/pdf"
    context.close()

    # A phone, signed with a finger: Chromium's touch input through the DevTools protocol, a real touch stroke.
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, "frank")
    page.goto(live_server.url + reverse("patients:consent_sign", args=[patient.public_id, "privacy-notice"]))
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.get_by_label("I agree to sign this document electronically").check()
    page.get_by_label("Your full name").fill("Nora Quill")
    finger_stroke(context, page)
    assert drawn(page)
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.get_by_role("button", name="Sign", exact=True).tap()
    page.get_by_text("Privacy notice signed.").wait_for()
    assert set(Consent.objects.values_list("kind", flat=True)) == {"treatment", "privacy-notice"}
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_publishes_a_new_version(live_server, browser, ada: User) -> None:
    User.objects.filter(pk=ada.pk).update(is_demo_account=True)  # no second factor in this test
    publish(ada, ada.organization, "financial-policy", "Financial policy")
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server, "ada")
    page.goto(live_server.url + reverse("patients:consent_versions"))
    page.get_by_text("Not published yet").first.wait_for()
    for size in (TABLET, PHONE):
        page.set_viewport_size(size)
        assert not scrolls_sideways(page), size
        assert violations(page) == [], size
    page.locator("#doc-financial-policy").locator("..").get_by_role("link", name="Publish a new version").click()
    assert page.get_by_label("Text").input_value() == "Financial policy: I agree."  # starts from the current one
    page.get_by_label("Text").fill("Pay at each visit.\nCancel 24 hours ahead.")
    assert not scrolls_sideways(page) and violations(page) == []
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Financial policy, version 2 published").wait_for()
    assert page.get_by_text("Version 1").is_visible()
    context.close()
