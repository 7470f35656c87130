"""The clinic's directory over FHIR: the practice as US Core Organization (its NPI and tax ID), its locations as
US Core Location, its practitioners as US Core Practitioner (NPI, name, license), each validated with
fhir.resources' R4B models and searchable; another clinic's never."""

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.location import Location as FhirLocation
from fhir.resources.R4B.organization import Organization as FhirOrganization
from fhir.resources.R4B.practitioner import Practitioner as FhirPractitioner

from fascia.audit.models import AuditEvent
from fascia.conftest import make_user
from fascia.core import services
from fascia.core.models import Location, Organization, User
from fascia.fhir.directory import NPI, TAX_ID

BASE = "/fhir/r4"


@pytest.fixture
def headers(frank: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.create_api_token(actor=frank, user=frank, name='EHR')[1]}"}


def found(client: Client, headers: dict[str, str], path: str, **params: str) -> Bundle:
    r = client.get(f"{BASE}/{path}", params, headers=headers)
    assert r.status_code == 200, r.content
    return Bundle.model_validate_json(r.content)


@pytest.mark.django_db
def test_the_practice_is_a_us_core_organization(client: Client, headers, organization: Organization) -> None:
    r = client.get(f"{BASE}/Organization/{organization.public_id}", headers=headers)
    o = FhirOrganization.model_validate_json(r.content)
    assert o.name == organization.legal_name and o.active is True
    assert {(i.system, i.value) for i in o.identifier} == {(NPI, organization.group_npi), (TAX_ID, organization.tax_id)}
    assert found(client, headers, "Organization", identifier=f"{NPI}|{organization.group_npi}").total == 1
    assert found(client, headers, "Organization", identifier="http://other.example|x").total == 0


@pytest.mark.django_db
def test_a_location_is_a_us_core_location(client: Client, headers, location: Location, organization) -> None:
    Location.objects.filter(pk=location.pk).update(
        address_line1="1 Main St", city="Olympia", state="WA", postal_code="98501", phone="360-555-0100"
    )
    [entry] = found(client, headers, "Location", **{"address-city": "olym"}).entry
    loc = entry.resource
    assert isinstance(loc, FhirLocation)
    assert (loc.name, loc.status, loc.address.city, loc.address.postalCode) == (
        location.name,
        "active",
        "Olympia",
        "98501",
    )
    assert loc.managingOrganization.reference == f"Organization/{organization.public_id}"
    assert loc.type[0].coding[0].code == location.place_of_service
    assert found(client, headers, "Location", **{"address-state": "OR"}).total == 0


@pytest.mark.django_db
def test_a_practitioner_is_a_us_core_practitioner(client: Client, headers, tess: User) -> None:
    p = tess.practitioner
    r = client.get(f"{BASE}/Practitioner/{p.public_id}", headers=headers)
    fp = FhirPractitioner.model_validate_json(r.content)
    assert [(i.system, i.value) for i in fp.identifier] == [(NPI, p.npi)]
    assert (fp.name[0].family, fp.name[0].given) == (tess.last_name, [tess.first_name])
    assert fp.qualification[0].identifier[0].value == p.license_number
    assert found(client, headers, "Practitioner", identifier=p.npi).total == 1
    assert found(client, headers, "Practitioner", name=tess.last_name[:3]).total == 1
    assert not AuditEvent.objects.filter(action__startswith="fhir.").exists()  # the directory is not patient data


@pytest.mark.django_db
def test_another_clinics_directory_is_never_shown(client: Client, tess: User, location: Location) -> None:
    other = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    stranger = make_user(other, "stranger", "front-desk")
    headers = {"Authorization": f"Bearer {services.create_api_token(actor=stranger, user=stranger, name='x')[1]}"}
    assert found(client, headers, "Practitioner").total == 0
    assert found(client, headers, "Location").total == 0
    assert [e.resource.name for e in found(client, headers, "Organization").entry] == ["Elsewhere"]
    assert client.get(f"{BASE}/Practitioner/{tess.practitioner.public_id}", headers=headers).status_code == 404
    assert client.get(f"{BASE}/Location/{location.public_id}", headers=headers).status_code == 404
