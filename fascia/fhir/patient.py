"""Patient, as US Core Patient (http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient) has it: its
must-support elements where Fascia records them (identifier, name, telecom, gender, birthDate, address,
communication); race, ethnicity and birth sex, which Fascia does not ask, are left out, as the profile allows for
what a system does not know."""

from typing import Any
from uuid import UUID

from django.db.models import Q
from fhir.resources.R4B.patient import Patient as FhirPatient

from fascia.fhir.search import ID, LAST_UPDATED, NONE, US_CORE_PARAM, Param, date_param, named, string, token
from fascia.patients.models import Patient

US_CORE_PATIENT = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
# The identifier system of a clinic's medical record numbers: unique to the clinic (its public id), as an MRN is
# only unique within the clinic that gave it.
MRN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}], "text": "MRN"}


MRN_SYSTEM = "urn:fascia:{organization}:mrn"


def mrn_system(organization_public_id: Any) -> str:
    return MRN_SYSTEM.format(organization=organization_public_id)


def _of_mrn_system(system: str) -> Q:
    """The patients whose MRNs are of `system`: the clinic's, whose public id it holds; none for another."""
    prefix, _, rest = system.partition("urn:fascia:")
    organization, _, suffix = rest.partition(":")
    try:
        return Q(organization__public_id=UUID(organization)) if not prefix and suffix == "mrn" else NONE
    except ValueError:
        return NONE


PARAMS = named(
    ID,
    Param(
        "identifier",
        "token",
        f"{US_CORE_PARAM}us-core-patient-identifier",
        "The medical record number, as system|value or the value alone.",
        token("mrn", system=_of_mrn_system),
    ),
    Param(
        "name",
        "string",
        f"{US_CORE_PARAM}us-core-patient-name",
        "Any part of a name: first, middle, last or preferred.",
        string("family_name", "given_name", "middle_name", "preferred_name"),
    ),
    Param("family", "string", f"{US_CORE_PARAM}us-core-patient-family", "The last name.", string("family_name")),
    Param(
        "given",
        "string",
        f"{US_CORE_PARAM}us-core-patient-given",
        "A first or middle name.",
        string("given_name", "middle_name"),
    ),
    Param(
        "birthdate",
        "date",
        f"{US_CORE_PARAM}us-core-patient-birthdate",
        "The date of birth, with a prefix (eq, ne, gt, lt, ge, le).",
        date_param("birth_date", is_date=True),
    ),
    Param(
        "gender",
        "token",
        f"{US_CORE_PARAM}us-core-patient-gender",
        "female, male, other or unknown.",
        token("sex", values=set(Patient.Sex.values)),
    ),
    LAST_UPDATED,
)


def resource(patient: Patient) -> FhirPatient:
    """The patient as a US Core Patient. Reads `patient.organization` (select it with the patient)."""
    given = [n for n in (patient.given_name, patient.middle_name) if n]
    names: list[dict[str, Any]] = [{"use": "official", "family": patient.family_name, "given": given}]
    if patient.preferred_name:
        names.append({"use": "usual", "given": [patient.preferred_name]})
    telecom = [{"system": "phone", "value": patient.phone}] if patient.phone else []  # home or mobile: not known
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.public_id),
        "meta": {"profile": [US_CORE_PATIENT], "lastUpdated": patient.updated_at.isoformat()},
        "identifier": [
            {
                "use": "usual",
                "type": MRN_TYPE,
                "system": mrn_system(patient.organization.public_id),
                "value": patient.mrn,
            }
        ],
        "active": patient.is_active,
        "name": names,
        "telecom": telecom or None,
        "gender": patient.sex,  # its values are FHIR's AdministrativeGender
        "birthDate": patient.birth_date.isoformat(),
    }
    lines = [line for line in (patient.address_line1, patient.address_line2) if line]
    if lines or patient.city or patient.state or patient.postal_code:
        address = {"use": "home", "line": lines or None, "city": patient.city or None, "state": patient.state or None}
        address["postalCode"] = patient.postal_code or None
        data["address"] = [{k: v for k, v in address.items() if v is not None}]
    if patient.preferred_language:
        data["communication"] = [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.preferred_language}]}}
        ]
    return FhirPatient.model_validate({k: v for k, v in data.items() if v is not None})
