import json

import pytest
from django.test import Client

from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations import services
from fascia.evaluations.models import Evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def call(client: Client, method: str, url: str, body: dict | None = None):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_a_whole_evaluation_through_the_api(client: Client, tess: User, patient: Patient) -> None:
    login(client, tess)
    r = call(
        client,
        "POST",
        f"/api/v1/patients/{patient.public_id}/evaluations",
        {
            "chief_complaint": "Right sciatica",
            "nprs_now": 7,
            "onset": "work-injury",
            "rom": [{"motion": "hip-flexion", "side": "right", "degrees": 90}],
            "special_tests": [{"test": "straight-leg-raise", "side": "right", "result": "positive"}],
            "diagnoses": ["M54.31", "S39.012A"],
        },
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert [d["code"] for d in created["diagnoses"]] == ["M54.31", "S39.012A"] and created["status"] == "draft"
    r = call(client, "POST", f"/api/v1/evaluations/{created['id']}/sign")
    assert r.status_code == 200 and r.json()["status"] == "signed"
    listed = client.get(f"/api/v1/patients/{patient.public_id}/evaluations").json()
    assert [e["id"] for e in listed] == [created["id"]]


def test_editing_a_signed_evaluation_is_403(client: Client, tess: User, patient: Patient) -> None:
    evaluation = services.sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    login(client, tess)
    r = call(client, "PATCH", f"/api/v1/evaluations/{evaluation.public_id}", {"chief_complaint": "Changed"})
    assert r.status_code == 403 and "signed and locked" in r.json()["errors"][0]["message"]
    evaluation.refresh_from_db()
    assert evaluation.chief_complaint == "Low back pain after lifting"


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"rom": [{"motion": "knee-flexion", "side": "left", "degrees": -5}]}, "rom", "outside 0-200"),
        ({"palpation": [{"region": "back-neck", "tone": "normal", "tenderness": 9}]}, "palpation", "outside 0-4"),
        ({"diagnoses": ["M54.5"]}, "diagnoses", "not a billable code"),
        ({"nprs_now": 14}, "nprs_now", "less than or equal to 10"),
    ],
)
def test_bad_input_is_422_and_saves_nothing(
    client: Client, tess: User, patient: Patient, body: dict, field: str, message: str
) -> None:
    evaluation = services.start_evaluation(actor=tess, patient=patient)
    login(client, tess)
    r = call(client, "PATCH", f"/api/v1/evaluations/{evaluation.public_id}", {"chief_complaint": "X", **body})
    assert r.status_code == 422
    errors = {e.get("field"): e["message"] for e in r.json()["errors"]}
    assert message in errors[field]
    assert Evaluation.objects.get().chief_complaint == ""


def test_signing_an_incomplete_evaluation_says_what_is_missing(client: Client, tess: User, patient: Patient) -> None:
    evaluation = services.start_evaluation(actor=tess, patient=patient)
    login(client, tess)
    r = call(client, "POST", f"/api/v1/evaluations/{evaluation.public_id}/sign")
    assert r.status_code == 422 and "Missing: a chief complaint; a diagnosis" in r.json()["errors"][0]["message"]
