"""A practitioner reviews every contraindication rule and its source on one page of their organization, on a
desktop, a tablet and a phone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.techniques.rules import RULES

WIDTHS = (1366, 768, 390)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_rule_and_its_source_on_one_page(live_server, page, tess: User, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    tess.organization.techniques.filter(code="swedish").update(name="Swedish, the Test Clinic's way")
    sign_in(page, live_server, "tess")
    page.goto(live_server.url + reverse("techniques:catalog"))

    assert page.get_by_role("heading", name="Test Massage Clinic, LLC's technique catalog").is_visible()
    assert page.get_by_text("Swedish, the Test Clinic's way").count() == 1  # its own catalog
    for rule in RULES:
        row = page.locator(f"#rule-{rule.id}")
        assert row.count() == 1, rule.id
        assert rule.source in row.inner_text()
    anticoagulant = page.locator("#rule-anticoagulant").inner_text()
    assert "medication: anticoagulant" in anticoagulant
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations] == []
