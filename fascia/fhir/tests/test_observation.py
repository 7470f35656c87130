"""Outcome scores over FHIR: US Core Observation Screening Assessment, validated with fhir.resources' R4B models;
the 0-10 pain rating under LOINC 72514-3 and Fascia's instrument code; the change from the patient's first score
against the MCID, as the chart states it (fascia.measures.scoring); searched by patient, code and date in
constant queries; read by the clinical roles only, audited."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.fhir.observation import INSTRUMENT_SYSTEM, LOINC, PROFILE
from fascia.measures.models import MeasureResult
from fascia.measures.services import record_measure
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory

BASE = "/fhir/r4"


def score(patient: Patient, instrument: str, on: date, *responses: int | None) -> MeasureResult:
    return record_measure(
        actor=None, patient=patient, instrument=instrument, responses=list(responses), administered_on=on
    )


def headers_of(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.create_api_token(actor=user, user=user, name='EHR')[1]}"}


def bundle(client: Client, headers: dict, **params: str) -> Bundle:
    r = client.get(f"{BASE}/Observation", params, headers=headers)
    assert r.status_code == 200, r.content
    return Bundle.model_validate_json(r.content)


@pytest.fixture
def maria(organization: Organization) -> Patient:
    patient = PatientFactory(organization=organization)
    score(patient, "NPRS", date(2026, 9, 1), 7)  # the baseline
    score(patient, "NPRS", date(2026, 10, 1), 6)  # 1 point, 14 %: not the MCID (2 points or 30 %)
    score(patient, "NPRS", date(2026, 11, 1), 4)  # 3 points: the MCID
    score(patient, "NPRS", date(2026, 11, 15), 8)  # worse
    return patient


@pytest.mark.django_db
def test_a_score_is_a_us_core_screening_assessment_with_its_mcid(client: Client, tess: User, maria: Patient) -> None:
    headers = headers_of(tess)
    entries = [e.resource for e in bundle(client, headers, patient=f"Patient/{maria.public_id}").entry]
    assert [o.effectiveDateTime for o in entries] == [
        date(2026, 9, 1),
        date(2026, 10, 1),
        date(2026, 11, 1),
        date(2026, 11, 15),
    ]
    first, small, reached, worse = entries
    assert first.meta.profile == [PROFILE] and first.status == "final"
    assert first.category[0].coding[0].code == "survey" and first.subject.reference == f"Patient/{maria.public_id}"
    assert [(c.system, c.code) for c in first.code.coding] == [(LOINC, "72514-3"), (INSTRUMENT_SYSTEM, "NPRS")]
    assert (first.valueQuantity.value, first.valueQuantity.code) == (7, "{score}")
    assert first.interpretation is None  # the baseline
    assert small.interpretation[0].coding[0].code == "B"
    assert "Improved by 1 since the first score (7 on 2026-09-01); does not reach" in small.interpretation[0].text
    assert reached.interpretation[0].coding[0].code == "B"
    assert (
        "Improved by 3" in reached.interpretation[0].text and "; reaches the minimal" in reached.interpretation[0].text
    )
    assert "Ostelo" in reached.interpretation[0].text  # the MCID's source
    assert worse.interpretation[0].coding[0].code == "W" and "Worse by 1" in worse.interpretation[0].text
    # Read one by one, the same.
    r = client.get(f"{BASE}/Observation/{entries[2].id}", headers=headers)
    assert Observation.model_validate_json(r.content).interpretation[0].text == reached.interpretation[0].text
    assert AuditEvent.objects.filter(action=AuditAction.FHIR_READ, patient=maria, actor=tess).count() == 1


@pytest.mark.django_db
def test_scores_search_by_code_and_date(client: Client, tess: User, maria: Patient) -> None:
    headers = headers_of(tess)
    score(maria, "ODI", date(2026, 9, 1), 3, 3, 2, 2, 2, 2, 2, 2, 2, 2)
    mine = {"patient": str(maria.public_id)}
    assert bundle(client, headers, **mine).total == 5
    assert bundle(client, headers, **mine, code="72514-3").total == 4
    assert bundle(client, headers, **mine, code=f"{LOINC}|72514-3").total == 4
    [odi] = bundle(client, headers, **mine, code=f"{INSTRUMENT_SYSTEM}|ODI").entry
    assert (odi.resource.valueQuantity.value, odi.resource.valueQuantity.code) == (44, "%")  # 22 of 50 points
    assert bundle(client, headers, **mine, code=f"{LOINC}|ODI").total == 0
    assert bundle(client, headers, **mine, code="NPRS,ODI").total == 5
    assert bundle(client, headers, **mine, date="ge2026-11").total == 2
    assert bundle(client, headers, **mine, category="survey").total == 5
    assert bundle(client, headers, **mine, category="vital-signs").total == 0


@pytest.mark.django_db
def test_a_page_of_scores_costs_what_a_page_of_one_does(client: Client, tess: User, organization) -> None:
    headers = headers_of(tess)
    for i in range(6):
        patient = PatientFactory(organization=organization)
        score(patient, "NPRS", date(2026, 9, 1), 7)
        score(patient, "NPRS", date(2026, 10, 1 + i), 3)
    bundle(client, headers)  # the token's first use notes it (a write, once a minute): not counted
    counts = []
    for count in ("1", "12"):
        with CaptureQueriesContext(connection) as queries:
            assert bundle(client, headers, _count=count).total == 12
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_only_the_clinical_roles_read_scores(client: Client, frank: User, bill: User, maria: Patient) -> None:
    for user in (frank, bill):
        assert client.get(f"{BASE}/Observation", headers=headers_of(user)).status_code == 403
