"""The dashboards in a browser at a phone's, a tablet's and a desktop's width: no sideways scroll (the wide tables
scroll in their own box), no axe-core violation, the charts drawn under the strict CSP."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from fascia.analytics.tests.test_finances import books  # noqa: F401 - the clinic the pages show
from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.visits.tests.test_browser_tablet import DESKTOP, PHONE, PROBE, TABLET, scrolls_sideways

RANGE = "?start=2026-03-02&end=2026-03-15"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboards_fit_every_width_and_pass_axe(live_server, page, ada: User, books) -> None:  # noqa: F811
    User.objects.filter(pk=ada.pk).update(is_demo_account=True)  # no second factor in this test
    sign_in(page, live_server, "ada")
    for name in ("analytics:practice", "analytics:finances"):
        for size in (PHONE, TABLET, DESKTOP):
            page.set_viewport_size(size)
            response = page.goto(f"{live_server.url}{reverse(name)}{RANGE}")
            assert response.status == 200
            assert not scrolls_sideways(page), f"{name} at {size['width']}: {page.evaluate(PROBE)}"
            # The chart is an <img> of a data URI, which the CSP allows: it loaded and has a size.
            assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        result = Axe().run(page)
        assert [f"{v['id']}: {v['nodes'][0]['target']}" for v in result.response["violations"]] == [], name
