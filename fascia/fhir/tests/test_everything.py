"""Patient/{id}/$everything: the patient and every served record of theirs that the token's role reads, in one
Bundle validated with fhir.resources' R4B models; one query a resource type however large the record; audited;
another clinic's patient is not found."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.fhir.tests.test_history import history
from fascia.fhir.tests.test_observation import score
from fascia.patients.tests.factories import PatientFactory

BASE = "/fhir/r4"


def token_of(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.create_api_token(actor=user, user=user, name='EHR')[1]}"}


def everything(client: Client, user: User, patient, headers: dict[str, str] | None = None, **params: str):
    headers = headers or token_of(user)
    return client.get(f"{BASE}/Patient/{patient.public_id}/$everything", params, headers=headers)


def types(response) -> list[str]:
    assert response.status_code == 200, response.content
    found = Bundle.model_validate_json(response.content)
    assert found.total == len(found.entry)
    return sorted(e.resource.get_resource_type() for e in found.entry)


@pytest.mark.django_db
def test_everything_the_role_reads_in_one_bundle(client: Client, tess: User, bill: User, organization) -> None:
    patient = PatientFactory(organization=organization)
    history(patient)
    score(patient, "NPRS", date(2026, 9, 1), 7)
    score(patient, "NPRS", date(2026, 10, 1), 4)
    history(PatientFactory(organization=organization))  # another patient's: not theirs
    assert types(everything(client, tess, patient)) == [
        "AllergyIntolerance",
        "Condition",
        "MedicationStatement",
        "Observation",
        "Observation",
        "Patient",
        "Procedure",
    ]
    event = AuditEvent.objects.get(action=AuditAction.FHIR_READ, patient=patient, actor=tess)
    assert event.detail["operation"] == "$everything" and "Observation" in event.detail["types"]
    assert types(everything(client, bill, patient)) == ["Patient"]  # billing reads neither history nor scores


@pytest.mark.django_db
def test_a_larger_record_costs_no_more_queries(client: Client, tess: User, organization: Organization) -> None:
    small, large = PatientFactory(organization=organization), PatientFactory(organization=organization)
    history(small)
    for _ in range(4):
        history(large)
        score(large, "NPRS", date(2026, 9, 1), 7)
    headers = token_of(tess)
    everything(client, tess, small, headers)  # the token's first use notes it (a write, once a minute): not counted
    counts = []
    for patient in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert everything(client, tess, patient, headers).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_bad_requests_and_another_clinics_patient(client: Client, tess: User) -> None:
    other = PatientFactory(
        organization=Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    )
    assert everything(client, tess, other).status_code == 404
    mine = PatientFactory(organization=tess.organization)
    r = everything(client, tess, mine, _since="2026-01-01")
    assert r.status_code == 400 and r.json()["issue"][0]["expression"] == ["_since"]
