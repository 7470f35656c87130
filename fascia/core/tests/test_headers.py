"""No cache keeps what a signed-in user was shown: every response to staff says `Cache-Control: no-store`."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age

from fascia.conftest import login
from fascia.core import services
from fascia.core.models import User
from fascia.patients.tests.factories import PatientFactory


def _not_stored(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.fixture
def patient(organization):
    return PatientFactory(organization=organization)


def test_a_chart_page_is_not_stored(client: Client, tess: User, patient) -> None:
    login(client, tess)
    r = client.get(reverse("patients:chart", args=[patient.public_id]))
    assert r.status_code == 200 and _not_stored(r)


def test_a_pdf_is_not_stored(client: Client, bill: User, patient) -> None:
    login(client, bill)
    r = client.get(reverse("billing:statement", args=[patient.public_id]))
    assert r["Content-Type"] == "application/pdf" and _not_stored(r)


def test_api_answers_are_not_stored(client: Client, frank: User, patient) -> None:
    token = services.create_api_token(actor=frank, user=frank, name="tablet")[1]
    r = client.get(f"/api/v1/patients/{patient.public_id}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and _not_stored(r)
    login(client, frank)
    r = client.get(f"/api/v1/patients/{patient.public_id}")
    assert r.status_code == 200 and _not_stored(r)


def test_anonymous_pages_are_left_alone(client: Client, db) -> None:
    # The sign-in page keeps Django's own never_cache; a public page gets nothing added.
    r = client.get(reverse("login"))
    assert r.status_code == 200 and get_max_age(r) == 0
    assert "Cache-Control" not in client.get(reverse("core:healthz"))
