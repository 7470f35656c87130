import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def form_data(**overrides: object) -> dict:
    data = {
        "kind": "initial",
        "evaluated_on": "2026-11-02",
        "chief_complaint": "Neck pain",
        "nprs_now": "5",
        "body_marks": '[{"region": "back-neck", "kind": "pain", "intensity": 5}]',
        "red_flags": ["night_pain"],
        "rom-0-motion": "cervical-rotation",
        "rom-0-side": "left",
        "rom-0-degrees": "40",
        "diagnoses-0-code": "M54.2",
    }
    for prefix in ("palpation", "rom", "tests", "diagnoses"):
        data.update({f"{prefix}-TOTAL_FORMS": "3", f"{prefix}-INITIAL_FORMS": "0"})
    return {**data, **overrides}


def test_starting_from_the_chart_opens_a_draft(client: Client, tess: User, patient: Patient) -> None:
    login(client, tess)
    r = client.post(reverse("evaluations:start", args=[patient.public_id]), {"kind": "initial"})
    evaluation = Evaluation.objects.get()
    assert r["Location"] == reverse("evaluations:edit", args=[evaluation.public_id])


def test_the_form_saves_every_section(client: Client, tess: User, patient: Patient) -> None:
    evaluation = services.start_evaluation(actor=tess, patient=patient)
    login(client, tess)
    r = client.post(reverse("evaluations:edit", args=[evaluation.public_id]), form_data())
    assert r.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.rom == [{"motion": "cervical-rotation", "side": "left", "degrees": 40}]
    assert evaluation.red_flags == ["night_pain"] and evaluation.body_marks[0]["region"] == "back-neck"
    assert [d.code for d in evaluation.diagnoses.all()] == ["M54.2"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"rom-0-degrees": "400"}, "less than or equal to 200"),
        ({"diagnoses-0-code": "M54.5"}, "not a billable code"),
        ({"nprs_now": "12"}, "less than or equal to 10"),
        (
            {"palpation-0-region": "back-neck", "palpation-0-tone": "normal", "palpation-0-tenderness": "7"},
            "less than or equal to 4",
        ),
    ],
)
def test_bad_input_shows_an_error_and_saves_nothing(
    client: Client, tess: User, patient: Patient, overrides: dict, message: str
) -> None:
    evaluation = services.start_evaluation(actor=tess, patient=patient)
    login(client, tess)
    r = client.post(reverse("evaluations:edit", args=[evaluation.public_id]), form_data(**overrides))
    assert r.status_code == 200 and message in r.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.chief_complaint == "" and not evaluation.diagnoses.exists()


def test_signing_from_the_page_lists_what_is_missing(client: Client, tess: User, patient: Patient) -> None:
    evaluation = services.start_evaluation(actor=tess, patient=patient)
    login(client, tess)
    r = client.post(reverse("evaluations:sign", args=[evaluation.public_id]), follow=True)
    assert "Missing: a chief complaint; a diagnosis; a pain rating" in r.content.decode()


def test_a_signed_evaluation_cannot_be_edited(client: Client, tess: User, patient: Patient) -> None:
    evaluation = services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    login(client, tess)
    r = client.post(reverse("evaluations:edit", args=[evaluation.public_id]), form_data(chief_complaint="New"))
    assert r["Location"] == reverse("evaluations:detail", args=[evaluation.public_id])
    evaluation.refresh_from_db()
    assert evaluation.chief_complaint == "Low back pain after lifting"


def test_recording_a_measure_item_by_item(client: Client, tess: User, patient: Patient) -> None:
    evaluation = complete_draft(tess, patient)
    login(client, tess)
    items = {f"item-{n}": "2" for n in range(10)}
    preview = client.post(reverse("evaluations:measure_preview"), {"instrument": "NDI", **items})
    assert preview.content.decode().startswith("<strong>40</strong>")
    client.post(reverse("evaluations:measure", args=[evaluation.public_id]), {"instrument": "NDI", **items})
    assert MeasureResult.objects.get(evaluations=evaluation).value == 40.0


def test_icd10_suggestions(client: Client, tess: User) -> None:
    login(client, tess)
    body = client.get(reverse("evaluations:icd10"), {"q": "sciatica"}).content.decode()
    assert '<option value="M54.31">' in body and "M54.3<" not in body


def test_viewing_is_audited(client: Client, tess: User, patient: Patient) -> None:
    evaluation = complete_draft(tess, patient)
    login(client, tess)
    client.get(reverse("evaluations:detail", args=[evaluation.public_id]))
    assert AuditEvent.objects.filter(action=AuditAction.EVALUATION_VIEWED, patient=patient).exists()


def test_another_clinics_evaluation_is_not_found(client: Client, tess: User, organization: Organization) -> None:
    other_patient = PatientFactory()
    evaluation = complete_draft(tess, other_patient)
    login(client, tess)
    assert client.get(reverse("evaluations:detail", args=[evaluation.public_id])).status_code == 404


def test_the_chart_shows_scores_side_by_side_in_constant_queries(client: Client, tess: User, patient: Patient) -> None:
    login(client, tess)
    first = complete_draft(tess, patient)
    services.record_evaluation_measure(actor=tess, evaluation=first, instrument="NPRS", responses=[7])
    with CaptureQueriesContext(connection) as one:
        client.get(patient.get_chart_url())
    for pain in (5, 3):
        later = complete_draft(tess, patient)
        services.record_evaluation_measure(actor=tess, evaluation=later, instrument="NPRS", responses=[pain])
        services.record_evaluation_measure(actor=tess, evaluation=later, instrument="ODI", responses=[1] * 10)
    with CaptureQueriesContext(connection) as three:
        r = client.get(patient.get_chart_url())
    assert len(one) == len(three)
    section = next(data for s, data in r.context["sections"] if s.title == "Evaluations")
    assert section["instruments"] == ["NPRS", "ODI"]
    assert [row[1] for row in section["score_rows"]] == [[7.0, None], [5.0, 20.0], [3.0, 20.0]]
    assert [e.codes for e in section["evaluations"]] == [["M54.50"]] * 3
    assert r.content.decode().count("<td>M54.50</td>") == 3
