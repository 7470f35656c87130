"""A patient's medical history over FHIR: conditions (US Core Condition, with their ICD-10-CM codes), allergies
(US Core AllergyIntolerance), surgeries (US Core Procedure), medications (MedicationStatement); each validated
with fhir.resources' R4B models, searchable by patient and status, entered-in-error said as the profiles require,
every read audited with its patient, and none for a role that does not read the history."""

from datetime import date

import pytest
from django.test import Client
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition as FhirCondition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.procedure import Procedure

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.fhir.history import ICD_10_CM
from fascia.patients.models import Allergy, Condition, HistoryStatus, Medication, Patient, Surgery
from fascia.patients.tests.factories import PatientFactory

BASE = "/fhir/r4"


def history(patient: Patient) -> dict[str, object]:
    """One entry of each kind, as staff record them."""
    return {
        "condition": Condition.objects.create(
            patient=patient, description="Low back pain", icd10_code="M54.50", onset_date=date(2026, 9, 1)
        ),
        "allergy": Allergy.objects.create(
            patient=patient, substance="Latex", category=Allergy.Category.LATEX, reaction="Hives", severity="severe"
        ),
        "surgery": Surgery.objects.create(
            patient=patient, procedure="Lumbar discectomy", body_region="lower-back", performed_on=date(2024, 5, 2)
        ),
        "medication": Medication.objects.create(patient=patient, name="Ibuprofen", dose="400 mg as needed"),
    }


def headers_of(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.create_api_token(actor=user, user=user, name='EHR')[1]}"}


@pytest.fixture
def chart(organization: Organization) -> tuple[Patient, dict]:
    patient = PatientFactory(organization=organization)
    return patient, history(patient)


def search(client: Client, headers: dict, type: str, **params: str) -> Bundle:
    r = client.get(f"{BASE}/{type}", params, headers=headers)
    assert r.status_code == 200, r.content
    return Bundle.model_validate_json(r.content)


@pytest.mark.django_db
def test_each_history_entry_reads_as_its_profile(client: Client, tess: User, chart) -> None:
    patient, entries = chart
    headers = headers_of(tess)
    subject = f"Patient/{patient.public_id}"

    c = FhirCondition.model_validate_json(
        client.get(f"{BASE}/Condition/{entries['condition'].public_id}", headers=headers).content
    )
    assert [(x.system, x.code) for x in c.code.coding] == [(ICD_10_CM, "M54.50")] and c.code.text == "Low back pain"
    assert (c.clinicalStatus.coding[0].code, c.verificationStatus.coding[0].code) == ("active", "confirmed")
    assert c.category[0].coding[0].code == "problem-list-item" and c.subject.reference == subject
    assert c.onsetDateTime == date(2026, 9, 1)

    a = AllergyIntolerance.model_validate_json(
        client.get(f"{BASE}/AllergyIntolerance/{entries['allergy'].public_id}", headers=headers).content
    )
    assert (a.category, a.patient.reference, a.clinicalStatus.coding[0].code) == (["environment"], subject, "active")
    assert (a.reaction[0].manifestation[0].text, a.reaction[0].severity) == ("Hives", "severe")

    p = Procedure.model_validate_json(
        client.get(f"{BASE}/Procedure/{entries['surgery'].public_id}", headers=headers).content
    )
    assert (p.status, p.code.text, p.performedDateTime, p.subject.reference) == (
        "completed",
        "Lumbar discectomy",
        date(2024, 5, 2),
        subject,
    )

    m = MedicationStatement.model_validate_json(
        client.get(f"{BASE}/MedicationStatement/{entries['medication'].public_id}", headers=headers).content
    )
    assert (m.status, m.medicationCodeableConcept.text, m.dosage[0].text) == ("active", "Ibuprofen", "400 mg as needed")
    # Every read audited, with the patient whose record it is.
    assert AuditEvent.objects.filter(action=AuditAction.FHIR_READ, patient=patient, actor=tess).count() == 4


@pytest.mark.django_db
def test_history_searches_by_patient_status_code_and_date(client: Client, tess: User, chart, organization) -> None:
    patient, entries = chart
    other = PatientFactory(organization=organization)
    history(other)
    headers = headers_of(tess)
    mine = {"patient": f"Patient/{patient.public_id}"}
    for type in ("Condition", "AllergyIntolerance", "Procedure", "MedicationStatement"):
        assert search(client, headers, type).total == 2
        assert search(client, headers, type, **mine).total == 1
        assert search(client, headers, type, patient=str(other.public_id)).total == 1  # the bare id too
    assert search(client, headers, "Condition", **mine, code="M54.50").total == 1
    assert search(client, headers, "Condition", **mine, code=f"{ICD_10_CM}|M54.50").total == 1
    assert search(client, headers, "Condition", **mine, code="http://snomed.info/sct|M54.50").total == 0
    assert search(client, headers, "Condition", **mine, category="problem-list-item").total == 1
    assert search(client, headers, "Condition", **mine, category="health-concern").total == 0
    assert search(client, headers, "Condition", **mine, category="health-concern,problem-list-item").total == 1
    assert search(client, headers, "Condition", **mine, **{"onset-date": "ge2026-08"}).total == 1
    assert search(client, headers, "Procedure", **mine, date="lt2024").total == 0
    # Resolved, and stopped: the searches by status follow.
    Condition.objects.filter(pk=entries["condition"].pk).update(status=HistoryStatus.INACTIVE)
    Medication.objects.filter(pk=entries["medication"].pk).update(status=HistoryStatus.INACTIVE)
    assert search(client, headers, "Condition", **mine, **{"clinical-status": "resolved"}).total == 1
    assert search(client, headers, "Condition", **mine, **{"clinical-status": "active"}).total == 0
    [entry] = search(client, headers, "MedicationStatement", **mine, status="stopped").entry
    assert entry.resource.status == "stopped"
    r = client.get(f"{BASE}/Condition", {"clinical-status": "gone"}, headers=headers)
    assert r.status_code == 400 and OperationOutcome.model_validate_json(r.content).issue[0].expression == [
        "clinical-status"
    ]
    assert AuditEvent.objects.filter(action=AuditAction.FHIR_SEARCHED, actor=tess).count() >= 12


@pytest.mark.django_db
def test_an_entry_in_error_says_so_without_a_clinical_status(client: Client, tess: User, chart) -> None:
    _, entries = chart
    for model in (Condition, Allergy, Surgery, Medication):
        model.objects.update(status=HistoryStatus.ENTERED_IN_ERROR)
    headers = headers_of(tess)
    c = FhirCondition.model_validate_json(
        client.get(f"{BASE}/Condition/{entries['condition'].public_id}", headers=headers).content
    )
    assert c.clinicalStatus is None and c.verificationStatus.coding[0].code == "entered-in-error"
    a = AllergyIntolerance.model_validate_json(
        client.get(f"{BASE}/AllergyIntolerance/{entries['allergy'].public_id}", headers=headers).content
    )
    assert a.clinicalStatus is None and a.verificationStatus.coding[0].code == "entered-in-error"
    p = client.get(f"{BASE}/Procedure/{entries['surgery'].public_id}", headers=headers).json()
    m = client.get(f"{BASE}/MedicationStatement/{entries['medication'].public_id}", headers=headers).json()
    assert (p["status"], m["status"]) == ("entered-in-error", "entered-in-error")


@pytest.mark.django_db
def test_billing_does_not_read_the_history(client: Client, bill: User, chart) -> None:
    _, entries = chart
    r = client.get(f"{BASE}/Condition/{entries['condition'].public_id}", headers=headers_of(bill))
    assert r.status_code == 403
    assert OperationOutcome.model_validate_json(r.content).issue[0].code == "forbidden"
    assert not AuditEvent.objects.filter(action=AuditAction.FHIR_READ).exists()
