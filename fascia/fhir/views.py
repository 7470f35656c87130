"""The FHIR server's endpoints: the CapabilityStatement, and each resource's read and search. Every read of
patient data is audited like the pages' and the JSON API's."""

from uuid import UUID

from django.http import Http404, HttpRequest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.patient import Patient as FhirPatient

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.models import User
from fascia.fhir import capability, patient, search
from fascia.fhir.capability import Served
from fascia.fhir.http import fhir_view
from fascia.patients.models import Patient

SERVED = [Served("Patient", patient.US_CORE_PATIENT, patient.PARAMS)]


def _user(request: HttpRequest) -> tuple[User, int]:
    """The token's staff member and their organization's id (fhir_view admits no other)."""
    user = request.user
    assert isinstance(user, User) and user.organization_id is not None
    return user, user.organization_id


@fhir_view(public=True)
def metadata(request: HttpRequest) -> CapabilityStatement:
    return capability.statement(request.build_absolute_uri(reverse("fhir:base")), SERVED)


@fhir_view(roles.VIEW_PATIENT)
def patient_read(request: HttpRequest, id: str) -> FhirPatient:
    user, organization_id = _user(request)
    try:
        public_id = UUID(id)
    except ValueError:
        raise Http404 from None
    row = (
        Patient.objects.select_related("organization")
        .filter(organization_id=organization_id, public_id=public_id)
        .first()
    )
    if row is None:
        raise Http404
    audit.record(actor=user, action=AuditAction.PATIENT_VIEWED, target=row, detail={"via": "fhir"})
    return patient.resource(row)


@fhir_view(roles.VIEW_PATIENT)
def patient_search(request: HttpRequest) -> Bundle:
    user, organization_id = _user(request)
    rows = Patient.objects.select_related("organization").filter(organization_id=organization_id)
    rows = search.narrow(rows, patient.PARAMS, request).order_by("family_name", "given_name", "id")
    found = search.bundle(request, rows, patient.resource, "Patient")
    audit.record(
        actor=user,
        action=AuditAction.PATIENT_SEARCHED,
        target=user.organization,
        detail={"via": "fhir", "query": request.GET.urlencode()[:500]},
    )
    return found
