"""Referrals as US Core ServiceRequest: the order as the referring provider wrote it, the visits it allows, until
when, the diagnoses it gives (ICD-10-CM), and the referring provider by NPI (not one of the clinic's
practitioners: a logical reference with their name)."""

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.servicerequest import ServiceRequest

from fascia.fhir.directory import NPI
from fascia.fhir.history import ICD_10_CM
from fascia.fhir.search import LAST_UPDATED, US_CORE_PARAM, Param, by_patient, date_param, named
from fascia.referrals.models import Referral

PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-servicerequest"


def rows(organization_id: int) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(patient__organization_id=organization_id)
        .select_related("patient", "provider")
        .order_by("referral_date", "pk")
    )


def service_request(row: Referral) -> ServiceRequest:
    provider = row.provider
    codes = [c.strip().upper() for c in row.diagnoses.split(",") if c.strip()]
    data: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(row.public_id),
        "meta": {"profile": [PROFILE], "lastUpdated": row.updated_at.isoformat()},
        "status": "active",
        "intent": "order",
        "code": {"text": row.order},
        "subject": {"reference": f"Patient/{row.patient.public_id}"},
        "occurrencePeriod": {"start": row.referral_date.isoformat(), "end": row.expires_on.isoformat()},
        "authoredOn": row.referral_date.isoformat(),
        "requester": {
            "identifier": {"system": NPI, "value": provider.npi},
            "display": f"{provider.name}, {provider.credentials}" if provider.credentials else provider.name,
        },
        "quantityQuantity": {"value": row.visits_authorized, "unit": "visits"},
    }
    if codes:
        data["reasonCode"] = [{"coding": [{"system": ICD_10_CM, "code": code}]} for code in codes]
    if row.payer_referral_number:
        data["identifier"] = [{"type": {"text": "Payer's referral number"}, "value": row.payer_referral_number}]
    return ServiceRequest.model_validate(data)


PARAMS = named(
    Param("patient", "reference", f"{US_CORE_PARAM}us-core-servicerequest-patient", "The patient.", by_patient),
    Param(
        "authored",
        "date",
        f"{US_CORE_PARAM}us-core-servicerequest-authored",
        "When the referral was written, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("referral_date", is_date=True),
    ),
    LAST_UPDATED,
)
