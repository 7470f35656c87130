"""A practitioner reads the outcome evidence, their own beside the clinic's, on a desktop, a tablet and a phone:
the menu leads there, the chart shows, the tables scroll inside their own region (never the page), and axe-core
finds no violation."""

from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from fascia.analytics.tests.factories import episode
from fascia.conftest import sign_in
from fascia.core.models import User

WIDTHS = (1366, 768, 390)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_practitioner_reads_the_outcome_evidence(live_server, page, tess: User, width: int) -> None:
    for i in range(12):  # 9 of 12 reached the MCID: 75% (47–91%)
        episode(tess, end=date(2026, 11, 1 + i), change=12 - i, reached=i < 9, visits_to_mcid=6, days_to_mcid=30)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # a CSP refusal, say
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + reverse("core:home"))
    if width < 1200:  # the menu folds behind its button below Bootstrap's xl breakpoint
        page.get_by_role("button", name="Show menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_role("heading", name="Outcome evidence").wait_for()
    assert "Observational data, not a controlled trial" in page.inner_text("main")
    assert "75% (47–91%), 9 of 12" in page.inner_text("main")
    chart = page.get_by_role(
        "img", name="Responder rates of Oswestry Disability Index v2.1a, all episodes and by dominant technique"
    )
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []
    assert errors == []

    page.get_by_label("Episodes ending from").fill("2026-12-01")
    page.get_by_label("to", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_text("The start date is after the end date").wait_for()
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_figures_being_counted_appear_once_the_worker_has_counted_them(live_server, page, tess: User, settings) -> None:
    """With the database task backend (as a clinic runs it), the first view of a filter says the figures are being
    counted; once the worker has counted them they replace that note on the open page, with no reload."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for i in range(10):
        episode(tess, end=date(2026, 11, 1 + i), change=20, reached=True, visits_to_mcid=4, days_to_mcid=14)
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + reverse("analytics:outcomes"))
    figures = page.locator("#figures")
    expect(figures).to_contain_text("These figures are being counted")
    page.evaluate("window.stillThisPage = true")
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    expect(figures).to_contain_text("10 of 10", timeout=20_000)
    expect(figures).not_to_contain_text("being counted")
    assert page.evaluate("window.stillThisPage === true")  # swapped in, not reloaded
    assert [v["id"] for v in Axe().run(page).response["violations"]] == []
