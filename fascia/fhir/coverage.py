"""A patient's insurance as US Core Coverage: the member ID, the payer (by its electronic payer ID and name: payers
are not served as organizations), the plan's kind, group number, the subscriber's relationship, the period and
whether it pays first or second."""

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.coverage import Coverage as FhirCoverage

from fascia.billing.models import Coverage
from fascia.fhir.search import LAST_UPDATED, US_CORE_PARAM, Param, by_patient, named

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-coverage"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
# 837P individual relationship codes (Coverage.Relationship) as FHIR's subscriber relationships.
RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child", "G8": "other"}


def rows(organization_id: int) -> QuerySet[Coverage]:
    return (
        Coverage.objects.filter(patient__organization_id=organization_id)
        .select_related("patient", "payer")
        .order_by("patient_id", "rank", "starts_on", "pk")
    )


def coverage(row: Coverage) -> FhirCoverage:
    payer = row.payer
    data: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": str(row.public_id),
        "meta": {"profile": [PROFILE], "lastUpdated": row.updated_at.isoformat()},
        "identifier": [
            {
                "type": {"coding": [{"system": f"{TERMINOLOGY}v2-0203", "code": "MB"}], "text": "Member ID"},
                "value": row.member_id,
            }
        ],
        "status": "active",
        "type": {"text": payer.get_kind_display()},
        "subscriberId": row.member_id,
        "beneficiary": {"reference": f"Patient/{row.patient.public_id}"},
        "relationship": {
            "coding": [
                {"system": f"{TERMINOLOGY}subscriber-relationship", "code": RELATIONSHIP.get(row.relationship, "other")}
            ]
        },
        "period": {k: v.isoformat() for k, v in (("start", row.starts_on), ("end", row.ends_on)) if v is not None},
        "payor": [{"display": payer.name, **({"identifier": {"value": payer.payer_id}} if payer.payer_id else {})}],
        "order": row.rank,
    }
    if row.group_number:
        data["class"] = [
            {
                "type": {"coding": [{"system": f"{TERMINOLOGY}coverage-class", "code": "group"}]},
                "value": row.group_number,
            }
        ]
    return FhirCoverage.model_validate(data)


PARAMS = named(
    Param("patient", "reference", f"{US_CORE_PARAM}us-core-coverage-patient", "The patient covered.", by_patient),
    LAST_UPDATED,
)
