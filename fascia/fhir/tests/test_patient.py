"""The FHIR server's first resource (issue 29): the CapabilityStatement lists exactly what is served; a Patient
reads and searches as US Core Patient asks, validated with fhir.resources' R4B models; errors are
OperationOutcomes; reads are audited; one clinic never sees another's patients."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import make_user
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.fhir.patient import US_CORE_PATIENT, mrn_system
from fascia.fhir.views import SERVED
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory

BASE = "/fhir/r4"


@pytest.fixture
def token(frank: User) -> str:
    return services.create_api_token(actor=frank, user=frank, name="EHR bridge")[1]


def get(client: Client, path: str, token: str | None = None, **params: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"{BASE}/{path}", params, headers=headers)


def outcome(response, status: int, code: str) -> OperationOutcome:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json"
    found = OperationOutcome.model_validate_json(response.content)
    assert [i.code for i in found.issue] == [code]
    return found


@pytest.fixture
def nora(organization: Organization) -> Patient:
    return PatientFactory(
        organization=organization,
        family_name="Quayle",
        given_name="Nora",
        middle_name="Jean",
        preferred_name="Jo",
        birth_date=date(1971, 3, 9),
        sex=Patient.Sex.FEMALE,
        email="nora@example.org",
        address_line1="12 Alder St",
        city="Tacoma",
        state="WA",
        postal_code="98402",
        preferred_language="es",
    )


@pytest.mark.django_db
def test_the_capability_statement_lists_exactly_what_is_served(client: Client) -> None:
    r = get(client, "metadata")  # no token: a client reads it before it has one
    assert r.status_code == 200 and r["Content-Type"] == "application/fhir+json"
    statement = CapabilityStatement.model_validate_json(r.content)
    assert (statement.fhirVersion, statement.kind, statement.format) == ("4.0.1", "instance", ["json"])
    [rest] = statement.rest
    assert [r.type for r in rest.resource] == list(SERVED)
    for resource in rest.resource:
        served = SERVED[resource.type]
        assert resource.supportedProfile == [served.profile]
        assert [i.code for i in resource.interaction] == ["read", "search-type"]
        assert {p.name: p.type for p in resource.searchParam} == {p.name: p.type for p in served.params.values()}
    assert rest.resource[0].supportedProfile == [US_CORE_PATIENT]
    assert [(o.name, o.definition) for o in rest.resource[0].operation] == [
        ("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything")
    ]


@pytest.mark.django_db
def test_a_patient_reads_as_us_core_with_its_must_support_elements(
    client: Client, token: str, nora: Patient, frank: User
) -> None:
    r = get(client, f"Patient/{nora.public_id}", token)
    assert r.status_code == 200 and r["Content-Type"] == "application/fhir+json"
    p = FhirPatient.model_validate_json(r.content)
    assert p.id == str(nora.public_id) and p.meta.profile == [US_CORE_PATIENT]
    [mrn] = p.identifier
    assert (mrn.system, mrn.value) == (mrn_system(nora.organization.public_id), nora.mrn)
    official, usual = p.name
    assert (official.family, official.given, usual.given) == ("Quayle", ["Nora", "Jean"], ["Jo"])
    assert (p.gender, p.birthDate) == ("female", date(1971, 3, 9))
    assert [(t.system, t.value) for t in p.telecom] == [("phone", nora.phone), ("email", "nora@example.org")]
    [address] = p.address
    assert (address.line, address.city, address.state, address.postalCode) == (["12 Alder St"], "Tacoma", "WA", "98402")
    assert p.communication[0].language.coding[0].code == "es"
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_VIEWED, actor=frank, patient=nora, detail__via="fhir"
    ).exists()


@pytest.mark.django_db
def test_errors_are_operation_outcomes(client: Client, token: str, nora: Patient) -> None:
    r = get(client, f"Patient/{nora.public_id}")
    outcome(r, 401, "login")
    assert r["WWW-Authenticate"].startswith("Bearer")
    outcome(get(client, f"Patient/{nora.public_id}", "fascia_not-a-token"), 401, "login")
    outcome(get(client, "Patient/not-an-id", token), 404, "not-found")
    outcome(get(client, "Patient/7d2c0d3e-8f5b-4a4e-9a57-1b1e2f3a4b5c", token), 404, "not-found")
    unknown = outcome(get(client, "Patient", token, color="blue"), 400, "not-supported")
    assert unknown.issue[0].expression == ["color"]
    outcome(get(client, "Patient", token, **{"family:missing": "true"}), 400, "not-supported")
    outcome(get(client, "Patient", token, birthdate="1971-13-40"), 400, "value")
    outcome(get(client, "Patient", token, gender="woman"), 400, "value")
    outcome(get(client, "Patient", token, _count="-1"), 400, "value")
    outcome(get(client, "Patient", token, _count="²"), 400, "value")  # a digit to isdigit(), not to int()
    outcome(get(client, "Patient", token, birthdate="ge9999-12-31"), 400, "value")  # its end is past the calendar's
    outcome(get(client, "Patient", token, birthdate="9999-12"), 400, "value")
    r = client.post(
        f"{BASE}/Patient", "{}", content_type="application/fhir+json", headers={"Authorization": f"Bearer {token}"}
    )
    outcome(r, 405, "not-supported")
    assert r["Allow"] == "GET, HEAD"
    assert Patient.objects.count() == 1
    # Errors answered outside the FHIR views are OperationOutcomes too.
    outcome(get(client, "Basic", token), 404, "not-supported")
    outcome(get(client, "Patient/x/y", token), 404, "not-found")
    outcome(get(client, "Patient", token, family="a\x00b"), 400, "invalid")


@pytest.mark.django_db
def test_search_by_each_parameter(client: Client, token: str, nora: Patient, organization: Organization) -> None:
    PatientFactory(
        organization=organization,
        family_name="Quinn",
        given_name="Ada",
        birth_date=date(1980, 6, 1),
        sex=Patient.Sex.MALE,
    )

    def names(**params: str) -> list[str]:
        r = get(client, "Patient", token, **params)
        assert r.status_code == 200, r.content
        found = Bundle.model_validate_json(r.content)
        assert found.type == "searchset" and found.total == len(found.entry or [])
        return sorted(e.resource.name[0].family for e in found.entry or [])

    assert names() == ["Quayle", "Quinn"]
    assert names(family="qu") == ["Quayle", "Quinn"]  # the start of the name, any case
    assert names(family="Quay") == ["Quayle"]
    assert names(**{"family:exact": "quayle"}) == []  # exact is case-sensitive
    assert names(**{"name:contains": "ayl"}) == ["Quayle"]
    assert names(name="jo") == ["Quayle"]  # her preferred name
    assert names(given="jean") == ["Quayle"]
    assert names(birthdate="1971-03-09") == ["Quayle"]
    assert names(birthdate="1971") == ["Quayle"]
    assert names(birthdate="ge1975") == ["Quinn"]
    assert names(birthdate="lt1971-03-09") == []
    assert names(birthdate="le1971-03") == ["Quayle"]
    assert names(gender="male") == ["Quinn"]
    assert names(gender="female,male") == ["Quayle", "Quinn"]  # a comma is OR
    assert (
        client.get(f"{BASE}/Patient?family=qu&family=quinn", headers={"Authorization": f"Bearer {token}"}).json()[
            "total"
        ]
        == 1
    )  # a repeated parameter is AND
    assert names(identifier=nora.mrn) == ["Quayle"]
    assert names(identifier=f"{mrn_system(organization.public_id)}|{nora.mrn}") == ["Quayle"]
    assert names(identifier=f"http://another.example/mrn|{nora.mrn}") == []
    assert names(_id=str(nora.public_id)) == ["Quayle"]
    assert names(_lastUpdated=f"ge{date.today().isoformat()}") == ["Quayle", "Quinn"]
    assert AuditEvent.objects.filter(action=AuditAction.PATIENT_SEARCHED, detail__via="fhir").count() >= 20


@pytest.mark.django_db
def test_search_pages_follow_their_links_in_constant_queries(
    client: Client, token: str, organization: Organization
) -> None:
    for i in range(7):
        PatientFactory(organization=organization, family_name=f"Page{i}")
    seen, url, pages = [], f"{BASE}/Patient?_count=3&family=page", 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            r = client.get(url, headers={"Authorization": f"Bearer {token}"})
        found = Bundle.model_validate_json(r.content)
        assert found.total == 7
        seen += [e.resource.name[0].family for e in found.entry]
        pages += 1
        statements = len(queries)
        nxt = [link.url for link in found.link if link.relation == "next"]
        url = urlsplit(nxt[0])._replace(scheme="", netloc="").geturl() if nxt else None
    assert seen == [f"Page{i}" for i in range(7)] and pages == 3
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{BASE}/Patient?_count=7&family=page", headers={"Authorization": f"Bearer {token}"})
    assert len(queries) == statements  # a page of 7 costs what a page of 1 does


@pytest.mark.django_db
def test_one_clinic_never_sees_another_clinics_patients(client: Client, nora: Patient) -> None:
    other = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    stranger = make_user(other, "stranger", "front-desk")
    theirs = services.create_api_token(actor=stranger, user=stranger, name="theirs")[1]
    outcome(get(client, f"Patient/{nora.public_id}", theirs), 404, "not-found")
    assert Bundle.model_validate_json(get(client, "Patient", theirs).content).total == 0
    assert Bundle.model_validate_json(get(client, "Patient", theirs, identifier=nora.mrn).content).total == 0
