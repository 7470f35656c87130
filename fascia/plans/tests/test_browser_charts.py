"""Issue 28, point 4, in a real browser: the outcome charts on the patient chart and on a progress note are
pictures the strict CSP allows (they load, and nothing is blocked), they fit a phone, a tablet and a laptop
without sideways scroll, and the pages pass axe."""

from datetime import date

import pytest
from django.urls import reverse

from fascia.conftest import sign_in
from fascia.core.models import User
from fascia.measures.services import record_measure
from fascia.measures.tests.test_browser import fits_and_passes_axe
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.models import VisitNote
from fascia.visits.services import start_note
from fascia.visits.tests.factories import active_plan

ODI_ALT = "Chart of the Oswestry Disability Index v2.1a scores over time against the goal"


def drawn(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_outcome_charts_load_and_fit_at_every_width(live_server, page, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, given_name="Nora")
    active_plan(tess, patient, start=date(2026, 11, 3))  # ODI 40 on Nov 2, goal 20
    record_measure(
        actor=tess, patient=patient, instrument="ODI", responses=[3] * 10, administered_on=date(2026, 11, 16)
    )
    note = start_note(actor=tess, patient=patient, visited_on=date(2026, 12, 1))
    VisitNote.objects.filter(pk=note.pk).update(kind=VisitNote.Kind.PROGRESS)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server, "tess")
    for url in (patient.get_chart_url(), reverse("visits:detail", args=[note.public_id])):
        for width, height in ((1366, 900), (768, 1024), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(live_server.url + url)
            chart = page.get_by_role("img", name=ODI_ALT)
            chart.scroll_into_view_if_needed()
            assert drawn(chart), (url, width)
            assert chart.bounding_box()["width"] <= width
            fits_and_passes_axe(page)
    assert blocked == []
