"""The clinic's directory as US Core has it: Organization (the practice), Location (its places of care) and
Practitioner (its practitioners), each with the must-support elements Fascia records. Not patient data: their
reads are not audited."""

from typing import Any

from django.db.models import Q, QuerySet
from fhir.resources.R4B.location import Location as FhirLocation
from fhir.resources.R4B.organization import Organization as FhirOrganization
from fhir.resources.R4B.practitioner import Practitioner as FhirPractitioner

from fascia.core.models import Location, Organization
from fascia.fhir.search import BASE_PARAM, EVERY, ID, NONE, US_CORE_PARAM, Param, named, string, token
from fascia.practitioners.models import Practitioner

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
NPI = "http://hl7.org/fhir/sid/us-npi"
TAX_ID = "urn:oid:2.16.840.1.113883.4.4"  # the US Internal Revenue Service's employer identification numbers
CMS_PLACE_OF_SERVICE = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"


def _npi(system: str) -> Q:
    return EVERY if system == NPI else NONE


def address(row: Any) -> list[dict[str, Any]] | None:
    """A US postal address (fascia.core.fields.AddressFields) as FHIR's, or None when it has none."""
    lines = [line for line in (row.address_line1, row.address_line2) if line]
    found = {"line": lines, "city": row.city, "state": row.state, "postalCode": row.postal_code}
    found = {k: v for k, v in found.items() if v}
    return [{"use": "work", **found}] if found else None


def _phone(row: Any) -> list[dict[str, str]] | None:
    return [{"system": "phone", "value": row.phone, "use": "work"}] if row.phone else None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


# --- Organization ---------------------------------------------------------------------------------------------


def organization(row: Organization) -> FhirOrganization:
    return FhirOrganization.model_validate(
        _clean(
            {
                "resourceType": "Organization",
                "id": str(row.public_id),
                "meta": {"profile": [f"{US_CORE}us-core-organization"], "lastUpdated": row.updated_at.isoformat()},
                "identifier": [{"system": NPI, "value": row.group_npi}, {"system": TAX_ID, "value": row.tax_id}],
                "active": True,
                "type": [
                    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov"}]}
                ],
                "name": row.legal_name,
                "telecom": _phone(row),
                "address": address(row),
            }
        )
    )


def organizations(organization_id: int) -> QuerySet[Organization]:
    return Organization.objects.filter(pk=organization_id).order_by("pk")


ORGANIZATION_PARAMS = named(
    ID,
    Param("name", "string", f"{US_CORE_PARAM}us-core-organization-name", "The practice's name.", string("legal_name")),
    Param(
        "identifier",
        "token",
        f"{BASE_PARAM}Organization-identifier",
        "The group NPI, as system|value or the value alone.",
        token("group_npi", system=_npi),
    ),
)


# --- Location -------------------------------------------------------------------------------------------------


def location(row: Location) -> FhirLocation:
    return FhirLocation.model_validate(
        _clean(
            {
                "resourceType": "Location",
                "id": str(row.public_id),
                "meta": {"profile": [f"{US_CORE}us-core-location"], "lastUpdated": row.updated_at.isoformat()},
                "status": "active" if row.is_active else "inactive",
                "name": row.name,
                "description": row.get_kind_display(),
                "type": [
                    {
                        "coding": [
                            {
                                "system": CMS_PLACE_OF_SERVICE,
                                "code": row.place_of_service,
                                "display": row.get_place_of_service_display(),
                            }
                        ]
                    }
                ],
                "telecom": _phone(row),
                "address": next(iter(address(row) or []), None),
                "managingOrganization": {"reference": f"Organization/{row.organization.public_id}"},
                "availabilityExceptions": row.hours or None,
            }
        )
    )


def locations(organization_id: int) -> QuerySet[Location]:
    return (
        Location.objects.filter(organization_id=organization_id).select_related("organization").order_by("name", "pk")
    )


LOCATION_PARAMS = named(
    ID,
    Param("name", "string", f"{US_CORE_PARAM}us-core-location-name", "The location's name.", string("name")),
    Param(
        "address",
        "string",
        f"{US_CORE_PARAM}us-core-location-address",
        "Any part of the address.",
        string("address_line1", "address_line2", "city", "state", "postal_code"),
    ),
    Param("address-city", "string", f"{US_CORE_PARAM}us-core-location-address-city", "The city.", string("city")),
    Param("address-state", "string", f"{US_CORE_PARAM}us-core-location-address-state", "The state.", string("state")),
    Param(
        "address-postalcode",
        "string",
        f"{US_CORE_PARAM}us-core-location-address-postalcode",
        "The ZIP code.",
        string("postal_code"),
    ),
)


# --- Practitioner ---------------------------------------------------------------------------------------------


def practitioner(row: Practitioner) -> FhirPractitioner:
    user = row.user
    return FhirPractitioner.model_validate(
        _clean(
            {
                "resourceType": "Practitioner",
                "id": str(row.public_id),
                "meta": {"profile": [f"{US_CORE}us-core-practitioner"], "lastUpdated": row.updated_at.isoformat()},
                "identifier": [{"system": NPI, "value": row.npi}],
                "active": user.is_active,
                "name": [
                    _clean(
                        {
                            "use": "official",
                            "family": user.last_name or user.username,
                            "given": [user.first_name] if user.first_name else None,
                            "suffix": [row.credential_suffix] if row.credential_suffix else None,
                        }
                    )
                ],
                "telecom": [{"system": "email", "value": user.email, "use": "work"}] if user.email else None,
                "qualification": [
                    {
                        "identifier": [{"value": row.license_number}],
                        "code": {"text": f"State license, {row.license_state}"},
                    }
                ]
                if row.license_number
                else None,
            }
        )
    )


def practitioners(organization_id: int) -> QuerySet[Practitioner]:
    return (
        Practitioner.objects.filter(user__organization_id=organization_id)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


PRACTITIONER_PARAMS = named(
    ID,
    Param(
        "identifier",
        "token",
        f"{US_CORE_PARAM}us-core-practitioner-identifier",
        "The NPI, as system|value or the value alone.",
        token("npi", system=_npi),
    ),
    Param(
        "name",
        "string",
        f"{US_CORE_PARAM}us-core-practitioner-name",
        "Any part of the name.",
        string("user__first_name", "user__last_name"),
    ),
)
