"""GET /api/v1/patients/{id}/chart: the chart in one request, each section for the roles that may read it."""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.core import services
from fascia.core.models import Location, User
from fascia.core.roles import Role
from fascia.evaluations.services import sign_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients.models import HistoryStatus, Patient
from fascia.patients.services import add_history_entry, change_history_status
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.tests.factories import appointment, signed_note

SECTIONS = ("history", "appointments", "evaluations", "notes")
# What each role's chart holds, as the chart page shows it.
VISIBLE = {
    Role.ADMIN: {"history", "appointments", "evaluations", "notes"},
    Role.PRACTITIONER: {"history", "appointments", "evaluations", "notes"},
    Role.FRONT_DESK: {"history", "appointments"},
    Role.BILLING: {"appointments", "notes"},
}


def get_chart(client: Client, user: User, patient_id: object):
    token = services.create_api_token(actor=user, user=user, name="chart")[1]
    return client.get(f"/api/v1/patients/{patient_id}/chart", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def charted(tess: User, location: Location) -> Patient:
    """A patient with a condition (and one entered in error), a medication, a past and a coming appointment,
    a signed evaluation and a signed note."""
    patient = PatientFactory(organization=tess.organization)
    add_history_entry(actor=tess, patient=patient, kind="condition", description="Low back pain", icd10_code="M54.50")
    wrong = add_history_entry(actor=tess, patient=patient, kind="condition", description="Typo")
    change_history_status(actor=tess, entry=wrong, status=HistoryStatus.ENTERED_IN_ERROR)
    today = timezone.localdate()
    appointment(tess, patient, location, today - timedelta(days=7))
    appointment(tess, patient, location, today + timedelta(days=7))
    sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    signed_note(tess, patient, today - timedelta(days=7))
    # Added after the note: it cautions against the note's deep tissue.
    add_history_entry(actor=tess, patient=patient, kind="medication", name="Warfarin", is_anticoagulant=True)
    return patient


def test_the_chart_shows_history_appointments_evaluations_and_notes(
    client: Client, tess: User, charted: Patient
) -> None:
    r = get_chart(client, tess, charted.public_id)
    assert r.status_code == 200
    chart = r.json()
    history = chart["history"]
    assert [c["description"] for c in history["conditions"]] == ["Low back pain"]
    assert history["conditions"][0]["icd10_code"] == "M54.50" and history["conditions"][0]["status"] == "active"
    assert history["medications"][0]["flags"] == ["anticoagulant"]
    assert history["surgeries"] == history["allergies"] == history["implants"] == []
    assert len(chart["appointments"]["upcoming"]) == 1 and len(chart["appointments"]["past"]) == 1
    assert chart["appointments"]["past"][0]["patient_id"] == str(charted.public_id)
    assert chart["appointments"]["upcoming"][0]["start_at"] > chart["appointments"]["past"][0]["start_at"]
    assert [e["status"] for e in chart["evaluations"]] == ["signed"]
    assert [n["status"] for n in chart["notes"]] == ["signed"]
    assert chart["notes"][0]["techniques"][0]["technique"] == "deep-tissue"


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_sees_the_sections_its_role_may_read(
    client: Client, personas: dict[str, User], charted: Patient, role: str
) -> None:
    chart = get_chart(client, personas[role], charted.public_id).json()
    assert {section for section in SECTIONS if chart[section] is not None} == VISIBLE[role]


def test_reading_the_chart_is_audited(client: Client, tess: User, charted: Patient) -> None:
    assert not AuditEvent.objects.filter(action__endswith=".viewed").exists()
    get_chart(client, tess, charted.public_id)
    events = list(AuditEvent.objects.filter(action__endswith=".viewed"))
    assert {e.action for e in events} == {
        AuditAction.PATIENT_VIEWED,
        AuditAction.EVALUATION_VIEWED,
        AuditAction.NOTE_VIEWED,
    }
    assert all(e.patient_id == charted.pk and e.actor_id == tess.pk for e in events)
    assert all(e.detail == {"via": "api", "view": "chart"} for e in events)


def test_another_clinics_patient_is_404_and_nothing_is_audited(client: Client, tess: User) -> None:
    other = PatientFactory()  # another organization
    for patient_id in (other.public_id, "00000000-0000-0000-0000-000000000000"):
        r = get_chart(client, tess, patient_id)
        assert r.status_code == 404 and r.json()["errors"][0]["message"]
    assert not AuditEvent.objects.filter(action__endswith=".viewed").exists()


def test_without_credentials_it_is_401(client: Client, charted: Patient) -> None:
    r = client.get(f"/api/v1/patients/{charted.public_id}/chart")
    assert r.status_code == 401 and json.loads(r.content)["errors"]


def test_a_patient_with_nothing_yet_has_empty_sections(client: Client, tess: User) -> None:
    patient = PatientFactory(organization=tess.organization, birth_date=date(1990, 1, 1))
    chart = get_chart(client, tess, patient.public_id).json()
    assert chart["appointments"] == {"upcoming": [], "past": []}
    assert chart["evaluations"] == chart["notes"] == [] and chart["history"]["conditions"] == []
