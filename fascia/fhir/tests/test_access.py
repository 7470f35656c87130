"""Who reaches the FHIR server: every route but the CapabilityStatement needs a staff token, and a signed-in
browser session is no token; a staff member's token reads what their role reads, for every served resource.
A new route must be named here; a new resource type is tried by every test below (views.SERVED)."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fascia.conftest import login
from fascia.core import services
from fascia.core.models import User
from fascia.fhir.tests.test_coverage import insure
from fascia.fhir.tests.test_history import history
from fascia.fhir.tests.test_observation import score
from fascia.fhir.tests.test_referral import refer
from fascia.fhir.urls import urlpatterns
from fascia.fhir.views import SERVED
from fascia.patients.tests.factories import PatientFactory
from fascia.visits.tests.factories import appointment, signed_note

PUBLIC = {"base", "metadata"}  # a client reads what the server does before it has a token


def test_every_route_is_named_here() -> None:
    assert {p.name for p in urlpatterns} == PUBLIC | {"search", "read", "everything"}


def _one_of_each(user: User) -> dict[str, str]:
    """An id of each served type in the user's clinic."""
    patient = PatientFactory(organization=user.organization)
    history(patient)
    score(patient, "NPRS", date(2026, 11, 2), 6)
    signed_note(user, patient, date(2026, 11, 2))  # a visit (the user is the practitioner)
    appointment(user, patient, user.practitioner.locations.first(), date(2030, 3, 4))
    refer(user, patient, date(2026, 9, 1))
    insure(patient)
    assert user.organization is not None
    return {type: str(served.rows(user.organization.pk).first().public_id) for type, served in SERVED.items()}


@pytest.mark.django_db
def test_each_read_needs_a_token_and_a_session_is_none(client: Client, tess: User, frank: User) -> None:
    ids = _one_of_each(tess)
    login(client, frank)
    for type in SERVED:
        for url in (reverse("fhir:search", args=[type]), reverse("fhir:read", args=[type, ids[type]])):
            assert client.get(url).status_code == 401, url
    assert client.get(reverse("fhir:everything", args=[ids["Patient"]])).status_code == 401
    client.logout()
    assert client.get(reverse("fhir:read", args=["Patient", ids["Patient"]])).status_code == 401


@pytest.mark.django_db
def test_each_role_reads_what_it_may_read(client: Client, personas: dict[str, User]) -> None:
    ids = _one_of_each(personas["practitioner"])
    for user in personas.values():
        headers = {"Authorization": f"Bearer {services.create_api_token(actor=user, user=user, name='bridge')[1]}"}
        for type, served in SERVED.items():
            expected = 200 if user.has_perm(served.perm) else 403
            for url in (reverse("fhir:search", args=[type]), reverse("fhir:read", args=[type, ids[type]])):
                assert client.get(url, headers=headers).status_code == expected, (user.username, url)
    # Billing reads patients and the directory, not the medical history nor the scores (fascia.core.roles); the
    # front desk reads the history, not the scores.
    assert {t for t, s in SERVED.items() if not personas["billing"].has_perm(s.perm)} == {
        "Condition",
        "AllergyIntolerance",
        "Procedure",
        "MedicationStatement",
        "Observation",
        "Encounter",
        "ServiceRequest",
    }
    assert {t for t, s in SERVED.items() if not personas["front-desk"].has_perm(s.perm)} == {"Observation", "Encounter"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_capability_statement_answers_anyone(client: Client, name: str) -> None:
    assert client.get(reverse(f"fhir:{name}")).status_code == 200
