"""Who reaches the FHIR server: every route but the CapabilityStatement needs a staff token, and a signed-in
browser session is no token; a staff member's token reads what their role reads. A new route must be named here."""

import pytest
from django.test import Client
from django.urls import reverse

from fascia.conftest import login
from fascia.core import services
from fascia.core.models import User
from fascia.fhir.urls import urlpatterns
from fascia.patients.tests.factories import PatientFactory

PUBLIC = {"base", "metadata"}  # a client reads what the server does before it has a token
READS = {"patient_search": lambda p: [], "patient_read": lambda p: [p.public_id]}  # route -> its arguments


def test_every_route_is_named_here() -> None:
    assert {p.name for p in urlpatterns} == PUBLIC | set(READS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READS))
def test_each_read_needs_a_token_and_a_session_is_none(client: Client, frank: User, name: str) -> None:
    patient = PatientFactory(organization=frank.organization)
    url = reverse(f"fhir:{name}", args=READS[name](patient))
    assert client.get(url).status_code == 401
    login(client, frank)
    assert client.get(url).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(READS))
def test_every_staff_role_reads_patients(client: Client, personas: dict[str, User], name: str) -> None:
    for user in personas.values():
        patient = PatientFactory(organization=user.organization)
        token = services.create_api_token(actor=user, user=user, name="bridge")[1]
        url = reverse(f"fhir:{name}", args=READS[name](patient))
        assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200, user.username


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_capability_statement_answers_anyone(client: Client, name: str) -> None:
    assert client.get(reverse(f"fhir:{name}")).status_code == 200
