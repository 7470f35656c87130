"""The patient sees their own scores charted against their goal, and answers the questionnaire their plan calls
for in the portal: recorded as theirs, audited, and a new point on the chart."""

import base64
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core.models import Organization, User
from fascia.measures.models import MeasureResult
from fascia.measures.services import record_measure
from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account, portal_client
from fascia.visits.tests.factories import active_plan, signed_note

pytestmark = pytest.mark.django_db

ODI_24 = [1] * 8 + [2, 2]  # 12 of 50: 24%, 16 better than the evaluation's 40: at least the MCID (10)
PICTURE = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"[^>]*alt="([^"]*)"')


def chart(body: str, name: str = "ODI") -> str:
    """The SVG of the page's chart of `name`, found by its alt text."""
    (svg,) = [base64.b64decode(data).decode() for data, alt in PICTURE.findall(body) if alt.startswith(f"{name}:")]
    return svg


def points(body: str) -> int:
    """How many scores the chart of the ODI draws."""
    return chart(body).count('class="dot ')


@pytest.fixture
def nora(tess: User, organization: Organization):
    """Three visits into a plan with an ODI goal of 20 (asked before every 4th visit): the ODI is due."""
    today = timezone.localdate()
    patient = PatientFactory(organization=organization, given_name="Nora")
    active_plan(tess, patient, start=today - timedelta(days=10))  # ODI at the evaluation: 40%
    for days_ago in (8, 6, 4):
        signed_note(tess, patient, today - timedelta(days=days_ago))
    return patient


@pytest.fixture
def sam(tess: User, organization: Organization):
    """Another patient of the clinic with an ODI of 80% on their chart."""
    patient = PatientFactory(organization=organization, given_name="Sam")
    active_plan(tess, patient, start=timezone.localdate() - timedelta(days=10))
    record_measure(
        actor=tess, patient=patient, instrument="ODI", responses=[4] * 10, administered_on=timezone.localdate()
    )
    return patient


def test_the_chart_shows_the_first_score_against_the_goal(client: Client, nora) -> None:
    portal_client(client, patient_account(nora))
    body = client.get(reverse("portal:progress")).content.decode()
    evaluated = MeasureResult.objects.get(patient=nora).administered_on.strftime("%b %-d, %Y")
    assert f'alt="ODI: first score 40 on {evaluated}. Goal 20."' in body
    assert "<td>40%</td>" in body and "Your starting score." in body
    assert points(body) == 1
    # The goal dashed across it, and the band from the first score to the smallest change that matters, hatched.
    svg = chart(body)
    assert ">Goal: 20<" in svg and "stroke-dasharray:10,6" in svg
    assert ">Smallest change that matters<" in svg and "url(#fascia-hatch)" in svg
    assert "Answer the ODI" in body


def test_a_later_score_reads_against_the_smallest_change_that_matters(client: Client, tess: User, nora) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    record_measure(actor=tess, patient=nora, instrument="ODI", responses=[2] * 9 + [1], administered_on=yesterday)
    record_measure(actor=tess, patient=nora, instrument="ODI", responses=ODI_24, administered_on=timezone.localdate())
    portal_client(client, patient_account(nora))
    body = client.get(reverse("portal:progress")).content.decode()
    assert "<td>38%</td>" in body and "Better, but by less than the smallest change that matters." in body
    assert "<td>24%</td>" in body and "Better by at least the smallest change that matters." in body
    assert f"Latest score 24 on {timezone.localdate():%b %-d, %Y}." in body
    assert points(body) == 3


def test_another_patients_scores_are_never_shown(client: Client, nora, sam) -> None:
    portal_client(client, patient_account(nora))
    for name in ("portal:progress", "portal:home"):
        body = client.get(reverse(name)).content.decode()
        assert "80%" not in body and "first score 80" not in body
    assert points(client.get(reverse("portal:progress")).content.decode()) == 1


def test_the_patient_answers_the_due_odi_in_the_portal(client: Client, nora) -> None:
    account = patient_account(nora)
    portal_client(client, account)
    assert "Answer the ODI" in client.get(reverse("portal:home")).content.decode()
    url = reverse("portal:questionnaire", args=["ODI"])
    assert "Send my answers" in client.get(url).content.decode()

    data = {f"item-{n}": answer for n, answer in enumerate(ODI_24)}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:progress")
    result = MeasureResult.objects.get(patient=nora, administered_on=timezone.localdate())
    assert (result.value, result.source, result.entered_by) == (24.0, MeasureResult.Source.PATIENT, account)
    entry = AuditEvent.objects.get(action=AuditAction.MEASURE_RECORDED, target_id=str(result.public_id))
    assert (entry.actor, entry.patient, entry.detail["source"]) == (account, nora, "patient")
    body = response.content.decode()
    assert points(body) == 2 and "<td>24%</td>" in body
    # Answered since the last visit: no longer due, and the page is gone.
    assert "Answer the ODI" not in client.get(reverse("portal:home")).content.decode()
    assert client.get(url).status_code == 404


def test_unanswered_questions_are_refused_and_nothing_is_recorded(client: Client, nora) -> None:
    portal_client(client, patient_account(nora))
    url = reverse("portal:questionnaire", args=["ODI"])
    response = client.post(url, {"item-0": "1", "item-1": "9"})
    assert response.status_code == 200
    assert "Not sent yet:" in response.content.decode()
    assert not MeasureResult.objects.filter(patient=nora, source=MeasureResult.Source.PATIENT).exists()


@pytest.mark.parametrize("code", ["NDI", "odi", "NOPE", "ODI%00"])
def test_an_instrument_not_due_is_a_404(client: Client, nora, code: str) -> None:
    portal_client(client, patient_account(nora))
    assert client.get(reverse("portal:questionnaire", args=[code])).status_code == 404
    assert client.post(reverse("portal:questionnaire", args=[code]), {"item-0": "1"}).status_code == 404
    assert not MeasureResult.objects.filter(patient=nora, source=MeasureResult.Source.PATIENT).exists()


def test_a_patient_without_a_plan_has_nothing_due(client: Client, tess: User, organization: Organization) -> None:
    portal_client(client, patient_account(PatientFactory(organization=organization)))
    assert client.get(reverse("portal:questionnaire", args=["ODI"])).status_code == 404
    body = client.get(reverse("portal:progress")).content.decode()
    assert "not set goals measured by a questionnaire" in body


@pytest.mark.parametrize("name", ["portal:progress", "portal:home", "portal:questionnaire"])
def test_query_counts_do_not_grow_with_the_scores(client: Client, tess: User, nora, name: str) -> None:
    portal_client(client, patient_account(nora))
    url = reverse(name, args=["ODI"] if name == "portal:questionnaire" else [])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    today = timezone.localdate()
    for days_ago in (9, 7, 5):
        record_measure(
            actor=tess, patient=nora, instrument="ODI", responses=[3] * 10, administered_on=today - timedelta(days_ago)
        )
    for days_ago in (9, 7, 5, 3):  # visit 8 comes next: the ODI is due again
        signed_note(tess, nora, today - timedelta(days=days_ago))
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(one)


def test_the_progress_page_speaks_spanish(client: Client, nora) -> None:
    portal_client(client, patient_account(nora))
    body = client.get(reverse("portal:progress"), headers={"accept-language": "es"}).content.decode()
    assert "Su progreso" in body and "Responder el ODI" in body and "Su puntuación inicial." in body
