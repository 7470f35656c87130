"""Appointments as R4 Appointment (US Core profiles none): their status (Fascia keeps FHIR's codes), type, time,
why one was cancelled, and the patient, practitioner and location taking part."""

from django.db.models import QuerySet
from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from fascia.fhir.search import BASE_PARAM, LAST_UPDATED, Param, by_patient, coded, date_param, named
from fascia.scheduling.models import Appointment

PROFILE = "http://hl7.org/fhir/StructureDefinition/Appointment"


def rows(organization_id: int) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(patient__organization_id=organization_id)
        .select_related("patient", "practitioner", "location", "appointment_type")
        .order_by("start_at", "pk")
    )


def appointment(row: Appointment) -> FhirAppointment:
    reason = {"cancelationReason": {"text": row.cancel_reason}} if row.cancel_reason else {}
    return FhirAppointment.model_validate(
        {
            **reason,
            "resourceType": "Appointment",
            "id": str(row.public_id),
            "meta": {"lastUpdated": row.updated_at.isoformat()},
            "status": row.status,  # its values are FHIR's
            "appointmentType": {"text": row.appointment_type.name},
            "start": row.start_at.isoformat(),
            "end": row.end_at.isoformat(),
            "minutesDuration": int((row.end_at - row.start_at).total_seconds() // 60),
            "created": row.created_at.isoformat(),
            "participant": [
                {"actor": {"reference": f"Patient/{row.patient.public_id}"}, "status": "accepted"},
                {"actor": {"reference": f"Practitioner/{row.practitioner.public_id}"}, "status": "accepted"},
                {"actor": {"reference": f"Location/{row.location.public_id}"}, "status": "accepted"},
            ],
        }
    )


PARAMS = named(
    Param("patient", "reference", f"{BASE_PARAM}Appointment-patient", "The patient.", by_patient),
    Param(
        "date",
        "date",
        f"{BASE_PARAM}Appointment-date",
        "When it starts, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("start_at", is_date=False),
    ),
    Param(
        "status",
        "token",
        f"{BASE_PARAM}Appointment-status",
        ", ".join(Appointment.Status.values) + ".",
        coded("status", {s: s for s in Appointment.Status.values}),
    ),
    LAST_UPDATED,
)
