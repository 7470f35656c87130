"""The FHIR server's endpoints: the CapabilityStatement, and each served resource's read and search (SERVED).
Every read of patient data is audited like the pages' and the JSON API's."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from pydantic import BaseModel

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.models import User
from fascia.fhir import (
    appointment,
    capability,
    coverage,
    directory,
    encounter,
    history,
    observation,
    patient,
    referral,
    search,
)
from fascia.fhir.http import FhirError, fhir_view
from fascia.fhir.served import Served
from fascia.patients.models import Patient


def _history(
    type: str,
    profile: str | None,
    params: dict[str, search.Param],
    rows: Callable[[int], QuerySet[Any]],
    to_resource: Callable[[Any], BaseModel],
) -> Served:
    """A resource of the medical history: read by the roles that read it, each read and search audited."""
    return Served(
        type,
        f"{history.US_CORE}{profile}" if profile else f"http://hl7.org/fhir/StructureDefinition/{type}",
        params,
        rows,
        to_resource,
        roles.VIEW_HISTORY,
    )


def _directory(
    type: str,
    params: dict[str, search.Param],
    rows: Callable[[int], QuerySet[Any]],
    to_resource: Callable[[Any], BaseModel],
) -> Served:
    """A resource of the clinic's directory: read by every staff role (whom a patient's record names); not patient
    data, so not audited."""
    profile = f"{directory.US_CORE}us-core-{type.lower()}"
    return Served(type, profile, params, rows, to_resource, roles.VIEW_PATIENT, read_action=None, search_action=None)


SERVED = {
    s.type: s
    for s in [
        Served(
            "Patient",
            patient.US_CORE_PATIENT,
            patient.PARAMS,
            lambda organization_id: (
                Patient.objects.filter(organization_id=organization_id)
                .select_related("organization")
                .order_by("family_name", "given_name", "id")
            ),
            patient.resource,
            roles.VIEW_PATIENT,
            read_action=AuditAction.PATIENT_VIEWED,
            search_action=AuditAction.PATIENT_SEARCHED,
            operations=(("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything"),),
        ),
        _directory("Practitioner", directory.PRACTITIONER_PARAMS, directory.practitioners, directory.practitioner),
        _directory("Organization", directory.ORGANIZATION_PARAMS, directory.organizations, directory.organization),
        _directory("Location", directory.LOCATION_PARAMS, directory.locations, directory.location),
        _history(
            "Condition",
            "us-core-condition-problems-health-concerns",
            history.CONDITION_PARAMS,
            history.conditions,
            history.condition,
        ),
        _history(
            "AllergyIntolerance",
            "us-core-allergyintolerance",
            history.ALLERGY_PARAMS,
            history.allergies,
            history.allergy,
        ),
        _history("Procedure", "us-core-procedure", history.PROCEDURE_PARAMS, history.surgeries, history.surgery),
        _history("MedicationStatement", None, history.MEDICATION_PARAMS, history.medications, history.medication),
        Served(
            "ServiceRequest",
            referral.PROFILE,
            referral.PARAMS,
            referral.rows,
            referral.service_request,
            roles.VIEW_REFERRAL,  # referrals: as their pages
        ),
        Served(
            "Coverage",
            coverage.PROFILE,
            coverage.PARAMS,
            coverage.rows,
            coverage.coverage,
            roles.VIEW_COVERAGE,  # a patient's insurance: as on the chart
        ),
        Served(
            "Appointment",
            appointment.PROFILE,
            appointment.PARAMS,
            appointment.rows,
            appointment.appointment,
            roles.VIEW_APPOINTMENT,  # every staff role, as the schedule
        ),
        Served(
            "Encounter",
            encounter.PROFILE,
            encounter.PARAMS,
            encounter.rows,
            encounter.encounter,
            roles.VIEW_EVALUATION,  # visits: the clinical roles, as their notes
        ),
        Served(
            "Observation",
            observation.PROFILE,
            observation.PARAMS,
            observation.rows,
            observation.observation,
            roles.VIEW_EVALUATION,  # the outcome scores: the clinical roles, as on the chart
        ),
    ]
}


def _served(request: HttpRequest, type: str) -> tuple[Served, User, int]:
    """The resource type asked for, and the token's staff member and organization, who must hold its permission."""
    served = SERVED.get(type)
    if served is None:
        raise FhirError(404, "not-supported", f"This server does not serve {type}; /metadata lists what it does.")
    user = request.user
    assert isinstance(user, User) and user.organization_id is not None  # fhir_view admits no other
    if not user.has_perm(served.perm):
        raise FhirError(403, "forbidden", f"The token's role does not read {type}.")
    return served, user, user.organization_id


@fhir_view(public=True)
def metadata(request: HttpRequest) -> CapabilityStatement:
    return capability.statement(request.build_absolute_uri(reverse("fhir:base")), list(SERVED.values()))


@fhir_view()
def read(request: HttpRequest, type: str, id: str) -> BaseModel:
    served, user, organization_id = _served(request, type)
    try:
        public_id = UUID(id)
    except ValueError:
        raise Http404 from None
    row: Any = served.rows(organization_id).filter(public_id=public_id).first()
    if row is None:
        raise Http404
    if served.read_action:
        patient_of = getattr(row, "patient", None)  # a patient's record; a Patient is its own
        audit.record(actor=user, action=served.read_action, target=row, patient=patient_of, detail={"via": "fhir"})
    return served.resource(row)


@fhir_view()
def search_type(request: HttpRequest, type: str) -> Bundle:
    served, user, organization_id = _served(request, type)
    rows = search.narrow(served.rows(organization_id), served.params, request)
    found = search.bundle(request, rows, served.resource, type)
    if served.search_action:
        detail = {"via": "fhir", "type": type, "query": request.GET.urlencode()[:500]}
        audit.record(actor=user, action=served.search_action, target=user.organization, detail=detail)
    return found


@fhir_view(roles.VIEW_PATIENT)
def everything(request: HttpRequest, id: str) -> Bundle:
    """Patient/{id}/$everything: the patient and every served record of theirs the token's role reads, in one
    Bundle (a patient's record is not so large that it needs pages); one query a resource type."""
    served, user, organization_id = _served(request, "Patient")
    if request.GET:
        key = next(iter(request.GET))
        raise FhirError(400, "not-supported", f"$everything takes no parameter here ({key}).", key)
    try:
        row = served.rows(organization_id).filter(public_id=UUID(id)).first()
    except ValueError:
        row = None
    if row is None:
        raise Http404
    resources = [("Patient", row.public_id, served.resource(row))]
    read = ["Patient"]
    for other in SERVED.values():
        if "patient" in other.params and user.has_perm(other.perm):
            resources += [
                (other.type, r.public_id, other.resource(r)) for r in other.rows(organization_id).filter(patient=row)
            ]
            read.append(other.type)
    audit.record(
        actor=user,
        action=AuditAction.FHIR_READ,
        target=row,
        detail={"via": "fhir", "operation": "$everything", "types": read},
    )
    base = request.build_absolute_uri(reverse("fhir:base"))
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": [
                {"fullUrl": f"{base}{type}/{public_id}", "resource": resource, "search": {"mode": "match"}}
                for type, public_id, resource in resources
            ],
        }
    )
