"""A patient's medical history over FHIR, each entry as the profile for it has it: conditions as US Core
Condition (problems and health concerns), allergies as US Core AllergyIntolerance, surgeries as US Core
Procedure, medications as MedicationStatement (R4's; US Core profiles none). An entry marked entered-in-error
says so in its status, with no clinical status, as the profiles require."""

from typing import Any

from django.db.models import Q, QuerySet
from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition as FhirCondition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.procedure import Procedure

from fascia.fhir.search import (
    BASE_PARAM,
    EVERY,
    LAST_UPDATED,
    NONE,
    US_CORE_PARAM,
    Param,
    by_patient,
    coded,
    constant,
    date_param,
    named,
    token,
)
from fascia.patients.models import Allergy, Condition, HistoryEntry, HistoryStatus, Medication, Surgery

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
ERROR = HistoryStatus.ENTERED_IN_ERROR


def _params(resource: str, *more: Param) -> dict[str, Param]:
    patient = Param("patient", "reference", f"{BASE_PARAM}clinical-patient", f"The {resource}'s patient.", by_patient)
    return named(patient, *more, LAST_UPDATED)


def _status(system: str, row: HistoryEntry, active: str, inactive: str) -> dict[str, Any] | None:
    if row.status == ERROR:
        return None
    return {"coding": [{"system": f"{TERMINOLOGY}{system}", "code": active if row.status == "active" else inactive}]}


def _verification(system: str, row: HistoryEntry) -> dict[str, Any]:
    code = "entered-in-error" if row.status == ERROR else "confirmed"
    return {"coding": [{"system": f"{TERMINOLOGY}{system}", "code": code}]}


def _common(row: Any, resource_type: str, profile: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"lastUpdated": row.updated_at.isoformat()}
    if profile:
        meta["profile"] = [f"{US_CORE}{profile}"]
    return {"resourceType": resource_type, "id": str(row.public_id), "meta": meta}


def _note(row: HistoryEntry) -> list[dict[str, str]] | None:
    return [{"text": row.notes}] if row.notes else None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _rows(model: type[Any]) -> Any:
    def rows(organization_id: int) -> QuerySet[Any]:
        return model.objects.filter(patient__organization_id=organization_id).select_related("patient").order_by("pk")

    return rows


# --- Condition ------------------------------------------------------------------------------------------------


def condition(row: Condition) -> FhirCondition:
    code: dict[str, Any] = {"text": row.description}
    if row.icd10_code:
        code["coding"] = [{"system": ICD_10_CM, "code": row.icd10_code}]
    return FhirCondition.model_validate(
        _clean(
            {
                **_common(row, "Condition", "us-core-condition-problems-health-concerns"),
                "clinicalStatus": _status("condition-clinical", row, "active", "resolved"),
                "verificationStatus": _verification("condition-ver-status", row),
                "category": [{"coding": [{"system": f"{TERMINOLOGY}condition-category", "code": "problem-list-item"}]}],
                "code": code,
                "subject": {"reference": f"Patient/{row.patient.public_id}"},
                "onsetDateTime": row.onset_date.isoformat() if row.onset_date else None,
                "recordedDate": row.created_at.isoformat(),
                "note": _note(row),
            }
        )
    )


def _icd10(system: str) -> Q:
    return EVERY if system == ICD_10_CM else NONE


CONDITION_PARAMS = _params(
    "condition",
    Param(
        "clinical-status",
        "token",
        f"{US_CORE_PARAM}us-core-condition-clinical-status",
        "active or resolved.",
        coded("status", {"active": "active", "resolved": "inactive"}),
    ),
    Param(
        "category",
        "token",
        f"{US_CORE_PARAM}us-core-condition-category",
        "problem-list-item: the medical history's conditions.",
        constant("problem-list-item"),
    ),
    Param(
        "code",
        "token",
        f"{US_CORE_PARAM}us-core-condition-code",
        "The ICD-10-CM code, as system|code or the code alone.",
        token("icd10_code", system=_icd10),
    ),
    Param(
        "onset-date",
        "date",
        f"{US_CORE_PARAM}us-core-condition-onset-date",
        "When it began, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("onset_date", is_date=True),
    ),
)


# --- AllergyIntolerance ---------------------------------------------------------------------------------------

# FHIR's four allergy categories; the massage room's own (oils, lotions, latex, fragrances) are environmental.
ALLERGY_CATEGORY: dict[str, str] = {
    Allergy.Category.MEDICATION: "medication",
    Allergy.Category.FOOD: "food",
    Allergy.Category.NUT: "food",
}


def allergy(row: Allergy) -> AllergyIntolerance:
    reaction = None
    if row.reaction:
        reaction = [{"manifestation": [{"text": row.reaction}], "severity": row.severity}]
    return AllergyIntolerance.model_validate(
        _clean(
            {
                **_common(row, "AllergyIntolerance", "us-core-allergyintolerance"),
                "clinicalStatus": _status("allergyintolerance-clinical", row, "active", "inactive"),
                "verificationStatus": _verification("allergyintolerance-verification", row),
                "category": [ALLERGY_CATEGORY.get(str(row.category), "environment")],
                "code": {"text": f"{row.substance} ({row.get_category_display()})"},
                "patient": {"reference": f"Patient/{row.patient.public_id}"},
                "recordedDate": row.created_at.isoformat(),
                "reaction": reaction,
                "note": _note(row),
            }
        )
    )


ALLERGY_PARAMS = _params(
    "allergy",
    Param(
        "clinical-status",
        "token",
        f"{US_CORE_PARAM}us-core-allergyintolerance-clinical-status",
        "active or inactive.",
        coded("status", {"active": "active", "inactive": "inactive"}),
    ),
)


# --- Procedure (surgeries) ------------------------------------------------------------------------------------


def surgery(row: Surgery) -> Procedure:
    return Procedure.model_validate(
        _clean(
            {
                **_common(row, "Procedure", "us-core-procedure"),
                "status": "entered-in-error" if row.status == ERROR else "completed",
                "category": {"text": "Surgery"},
                "code": {"text": row.procedure},
                "subject": {"reference": f"Patient/{row.patient.public_id}"},
                "performedDateTime": row.performed_on.isoformat(),
                "bodySite": [{"text": row.get_body_region_display()}],
                "note": _note(row),
            }
        )
    )


PROCEDURE_PARAMS = _params(
    "procedure",
    Param(
        "date",
        "date",
        f"{US_CORE_PARAM}us-core-procedure-date",
        "When it was done, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("performed_on", is_date=True),
    ),
    Param(
        "status",
        "token",
        f"{US_CORE_PARAM}us-core-procedure-status",
        "completed or entered-in-error.",
        coded("status", {"completed": "active", "entered-in-error": ERROR}),
    ),
)


# --- MedicationStatement --------------------------------------------------------------------------------------


def medication(row: Medication) -> MedicationStatement:
    status = {"active": "active", "inactive": "stopped"}.get(row.status, "entered-in-error")
    return MedicationStatement.model_validate(
        _clean(
            {
                **_common(row, "MedicationStatement", None),
                "status": status,
                "medicationCodeableConcept": {"text": row.name},
                "subject": {"reference": f"Patient/{row.patient.public_id}"},
                "dateAsserted": row.created_at.isoformat(),
                "dosage": [{"text": row.dose}] if row.dose else None,
                "note": _note(row),
            }
        )
    )


MEDICATION_PARAMS = _params(
    "medication",
    Param(
        "status",
        "token",
        f"{BASE_PARAM}medications-status",
        "active, stopped or entered-in-error.",
        coded("status", {"active": "active", "stopped": HistoryStatus.INACTIVE, "entered-in-error": ERROR}),
    ),
)

conditions, allergies, surgeries, medications = (_rows(m) for m in (Condition, Allergy, Surgery, Medication))
