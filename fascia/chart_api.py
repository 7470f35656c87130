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
from ninja.errors import HttpError

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.api import api_user
from fascia.evaluations.api import EvaluationOut, evaluations_of
from fascia.evaluations.queries import red_flag_rows
from fascia.patients.models import Patient
from fascia.patients.queries import chart_history, get_patient_for_user
from fascia.scheduling.api import AppointmentOut
from fascia.scheduling.queries import latest_appointments
from fascia.techniques.api import FindingOut, ScreenIn, ScreenOut, local_findings_of
from fascia.techniques.models import Technique
from fascia.techniques.queries import SYMPTOMS, screen_patient
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


class HistoryMedicationOut(HistoryItemOut):
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
    medications: list[HistoryMedicationOut]
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


@router.post(
    "/patients/{patient_id}/screen",
    response=ScreenOut,
    tags=["techniques"],
    summary="Screen a technique on a body region against the patient's contraindications",
)
def screen(request: HttpRequest, patient_id: UUID, payload: ScreenIn) -> ScreenOut:
    """Here, beside the chart, because it reads what the chart gathers: the medical history and the red flags
    of every signed evaluation not yet referred or cleared, with today's symptoms, findings and pressure."""
    user = api_user(request, roles.VIEW_HISTORY, roles.VIEW_TECHNIQUE)
    patient = get_patient_for_user(user, patient_id)
    technique = Technique.objects.filter(
        organization_id=patient.organization_id, code=payload.technique, is_active=True
    ).first()
    if technique is None:
        raise HttpError(422, f"Unknown technique {payload.technique!r}.")
    unknown = set(payload.symptoms) - set(SYMPTOMS)
    if unknown:
        raise HttpError(422, f"Unknown symptom(s): {', '.join(sorted(unknown))}; use {', '.join(SYMPTOMS)}.")
    local_findings = local_findings_of(payload)
    findings = screen_patient(
        patient,
        technique,
        payload.region.value,
        pressure=payload.pressure,
        symptoms=frozenset(payload.symptoms),
        local_findings=local_findings,
        also=red_flag_rows(patient),
    )
    audit.record(
        actor=user,
        action=AuditAction.PATIENT_SCREENED,
        target=patient,
        detail={
            "technique": technique.code,
            "region": payload.region.value,
            "pressure": payload.pressure or "",
            "findings": [{"finding": f, "region": r} for f, r in local_findings],
        },
    )
    return ScreenOut(
        technique=technique.code,
        region=payload.region.value,
        level=findings[0].level.value if findings else None,
        findings=[FindingOut(rule=f.rule, level=f.level.value, reason=f.reason, source=f.source) for f in findings],
    )
