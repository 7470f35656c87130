"""A patient's chart in one request: what the chart page shows below the patient's details.

The chart gathers the apps that own its sections (the medical history, appointments, evaluations, notes), so
its endpoint sits here beside the API's root, which imports every app's router, and no domain app imports
another for it. Each section is there for the roles allowed to read it, and null for the others, as the chart
page shows a section only to them.
"""

from datetime import date
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.api import api_user
from fascia.evaluations.api import EvaluationOut, evaluations_of
from fascia.patients.models import Patient
from fascia.patients.queries import chart_history, get_patient_for_user
from fascia.scheduling.api import AppointmentOut
from fascia.scheduling.queries import latest_appointments
from fascia.visits.api import NoteOut, notes_of

router = Router(tags=["patients"])
LATEST_NOTES = 10  # as the chart page; GET /patients/{id}/notes pages through all of them


class HistoryItemOut(Schema):
    id: UUID = Field(..., alias="public_id")
    status: str
    notes: str


class ConditionOut(HistoryItemOut):
    description: str
    icd10_code: str
    onset_date: date | None


class SurgeryOut(HistoryItemOut):
    procedure: str
    body_region: str
    performed_on: date


class MedicationOut(HistoryItemOut):
    name: str
    dose: str
    flags: list[str]


class AllergyOut(HistoryItemOut):
    substance: str
    category: str
    reaction: str
    severity: str


class ImplantOut(HistoryItemOut):
    description: str
    body_region: str
    implanted_on: date | None


class HistoryOut(Schema):
    """Entries entered in error are left out, as on the chart."""

    conditions: list[ConditionOut]
    surgeries: list[SurgeryOut]
    medications: list[MedicationOut]
    allergies: list[AllergyOut]
    implants: list[ImplantOut]


class ChartAppointmentsOut(Schema):
    upcoming: list[AppointmentOut]
    past: list[AppointmentOut]


class ChartOut(Schema):
    history: HistoryOut | None
    appointments: ChartAppointmentsOut | None
    evaluations: list[EvaluationOut] | None
    notes: list[NoteOut] | None


@router.get(
    "/patients/{patient_id}/chart",
    response=ChartOut,
    summary="A patient's chart: medical history, appointments, evaluations, latest notes (each for the roles that "
    "may read it, else null)",
)
def get_chart(request: HttpRequest, patient_id: UUID) -> dict:
    user = api_user(request, roles.VIEW_PATIENT)
    patient: Patient = get_patient_for_user(user, patient_id)
    chart: dict = {"history": None, "appointments": None, "evaluations": None, "notes": None}
    viewed = [AuditAction.PATIENT_VIEWED]
    if user.has_perm(roles.VIEW_HISTORY):
        chart["history"] = chart_history(patient)
    if user.has_perm(roles.VIEW_APPOINTMENT):
        upcoming, past = latest_appointments(patient)
        chart["appointments"] = {"upcoming": upcoming, "past": past}
    if user.has_perm(roles.VIEW_EVALUATION):
        chart["evaluations"] = evaluations_of(patient)
        viewed.append(AuditAction.EVALUATION_VIEWED)
    if user.has_perm(roles.VIEW_NOTE):
        chart["notes"] = list(notes_of(user, patient)[:LATEST_NOTES])
        viewed.append(AuditAction.NOTE_VIEWED)
    for action in viewed:
        audit.record(actor=user, action=action, target=patient, detail={"via": "api", "view": "chart"})
    return chart
