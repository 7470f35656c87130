"""Visits as US Core Encounter: one per visit note, ambulatory, finished once its note is signed (in progress
while a draft), with the practitioner, the appointment's time and location where it was booked, and the
practice as the service provider. The note's content is not in it: a DocumentReference will carry the signed
note."""

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.encounter import Encounter

from fascia.fhir.search import LAST_UPDATED, US_CORE_PARAM, Param, by_patient, coded, date_param, named
from fascia.visits.models import VisitNote

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-encounter"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def rows(organization_id: int) -> QuerySet[VisitNote]:
    return (
        VisitNote.objects.filter(patient__organization_id=organization_id)
        .select_related("patient__organization", "practitioner", "appointment__location")
        .order_by("visited_on", "pk")
    )


def encounter(row: VisitNote) -> Encounter:
    appointment: Any = row.appointment
    if appointment is not None:
        period = {"start": appointment.start_at.isoformat(), "end": appointment.end_at.isoformat()}
    else:
        period = {"start": row.visited_on.isoformat(), "end": row.visited_on.isoformat()}
    data: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(row.public_id),
        "meta": {"profile": [PROFILE], "lastUpdated": row.updated_at.isoformat()},
        "status": "finished" if row.status == VisitNote.Status.SIGNED else "in-progress",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": row.get_kind_display()}],
        "subject": {"reference": f"Patient/{row.patient.public_id}"},
        "participant": [{"individual": {"reference": f"Practitioner/{row.practitioner.public_id}"}}],
        "period": period,
        "serviceProvider": {"reference": f"Organization/{row.patient.organization.public_id}"},
    }
    if appointment is not None:
        data["location"] = [{"location": {"reference": f"Location/{appointment.location.public_id}"}}]
    return Encounter.model_validate(data)


PARAMS = named(
    Param("patient", "reference", f"{US_CORE_PARAM}us-core-encounter-patient", "The patient.", by_patient),
    Param(
        "date",
        "date",
        f"{US_CORE_PARAM}us-core-encounter-date",
        "The day of the visit, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("visited_on", is_date=True),
    ),
    Param(
        "status",
        "token",
        f"{US_CORE_PARAM}us-core-encounter-status",
        "finished (the note is signed) or in-progress (a draft).",
        coded("status", {"finished": VisitNote.Status.SIGNED, "in-progress": VisitNote.Status.DRAFT}),
    ),
    LAST_UPDATED,
)
