"""The evaluation is written section by section: each section saves by itself (in place with htmx), leaves the
other sections as stored, and a refused section says why and keeps what was typed."""

import pytest
from django.test import Client
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def rows(prefix: str, *filled: dict) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(max(len(filled), 1)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(filled):
        data |= {f"{prefix}-{n}-{k}": v for k, v in row.items()}
    return data


def url(evaluation: Evaluation, name: str) -> str:
    return reverse("evaluations:section", args=[evaluation.public_id, name])


@pytest.mark.django_db
class TestSections:
    def test_the_pain_section_saves_alone_and_leaves_the_rest(self, client: Client, tess: User, patient) -> None:
        draft = complete_draft(tess, patient)
        before = (draft.chief_complaint, draft.impression, list(draft.diagnoses.values_list("code", flat=True)))
        login(client, tess)
        marks = '[{"region": "back-lower-back", "kind": "tightness", "intensity": 6}]'
        r = client.post(
            url(draft, "pain"), {"nprs_now": "7", "nprs_best": "2", "nprs_worst": "9", "body_marks": marks}, **HTMX
        )
        html = r.content.decode()
        assert r.status_code == 200 and html.lstrip().startswith(
            '<section class="card mb-4 eval-section" id="section-pain"'
        )
        assert "Saved." in html and "<html" not in html
        draft.refresh_from_db()
        assert (draft.nprs_now, draft.body_marks[0]["kind"]) == (7, "tightness")
        after = (draft.chief_complaint, draft.impression, list(draft.diagnoses.values_list("code", flat=True)))
        assert after == before
        assert AuditEvent.objects.filter(action=AuditAction.EVALUATION_SAVED, patient=patient).exists()

    def test_the_assessment_saves_its_diagnoses(self, client: Client, tess: User, patient) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, tess)
        data = {"impression": "Mechanical neck pain", "prognosis": "good"} | rows("diagnoses", {"code": "M54.2"})
        r = client.post(url(draft, "assessment"), data, **HTMX)
        assert "Saved." in r.content.decode()
        assert list(draft.diagnoses.values_list("code", flat=True)) == ["M54.2"]

    def test_a_refused_section_says_why_and_changes_nothing(self, client: Client, tess: User, patient) -> None:
        draft = complete_draft(tess, patient)
        login(client, tess)
        data = {"impression": "Typed, not lost"} | rows("diagnoses", {"code": "M54"})  # a category, not billable
        r = client.post(url(draft, "assessment"), data, **HTMX)
        html = r.content.decode()
        assert r.status_code == 200 and "M54 is a category, not a billable code" in html
        assert "Typed, not lost" in html and 'value="M54"' in html
        draft.refresh_from_db()
        assert draft.impression != "Typed, not lost"

    def test_without_htmx_the_form_opens_again_at_the_section(self, client: Client, tess: User, patient) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, tess)
        r = client.post(url(draft, "subjective"), {"kind": "initial", "evaluated_on": "2026-11-02"})
        assert r.status_code == 302 and r.url.endswith("#s-subjective")

    def test_a_signed_evaluation_is_refused(self, client: Client, tess: User, patient) -> None:
        signed = services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
        login(client, tess)
        r = client.post(url(signed, "pain"), {"nprs_now": "1", "body_marks": "[]"}, **HTMX)
        assert "signed and locked" in r.content.decode()
        signed.refresh_from_db()
        assert signed.nprs_now != 1

    def test_no_such_section_is_a_404(self, client: Client, tess: User, patient) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, tess)
        assert client.post(url(draft, "billing"), {}, **HTMX).status_code == 404

    def test_it_refuses_the_front_desk(self, client: Client, frank: User, tess: User, patient) -> None:
        draft = services.start_evaluation(actor=tess, patient=patient)
        login(client, frank)
        assert client.post(url(draft, "pain"), {"nprs_now": "3"}, **HTMX).status_code == 403
        draft.refresh_from_db()
        assert draft.nprs_now is None
