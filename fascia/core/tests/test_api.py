"""The JSON API's contract: authentication, the error shape and status codes, audit."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core import services
from fascia.core.models import ApiToken, Location, Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory

BODY = {"family_name": "Quayle", "given_name": "Nora", "birth_date": "1990-01-01", "sex": "female"}


@pytest.fixture
def token(frank: User) -> str:
    return services.create_api_token(actor=frank, user=frank, name="intake tablet")[1]


def api(client: Client, method: str, url: str, body: dict | None = None, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.generic(
        method, url, data=json.dumps(body) if body is not None else "", content_type="application/json", headers=headers
    )


class TestAuthentication:
    def test_no_credentials_is_401(self, client: Client, organization: Organization) -> None:
        for method in ("GET", "POST"):
            r = api(client, method, "/api/v1/patients", BODY if method == "POST" else None)
            assert r.status_code == 401
            assert r.json() == {"errors": [{"message": "Authentication required: send a bearer token or sign in."}]}

    def test_a_wrong_token_is_401(self, client: Client, token: str) -> None:
        assert api(client, "GET", "/api/v1/patients", token="fascia_wrong").status_code == 401

    def test_a_token_authenticates_and_is_stored_only_as_a_digest(
        self, client: Client, token: str, frank: User
    ) -> None:
        r = api(client, "POST", "/api/v1/patients", BODY, token=token)
        assert r.status_code == 201
        assert frank.api_tokens.get().digest != token and token not in frank.api_tokens.get().digest

    def test_the_last_use_is_written_at_most_once_a_minute(self, client: Client, token: str, frank: User) -> None:
        stored = frank.api_tokens.get()
        assert stored.last_used_at is None
        assert api(client, "GET", "/api/v1/patients", token=token).status_code == 200
        first = ApiToken.objects.get(pk=stored.pk).last_used_at
        assert first is not None
        # Used again within the minute: no UPDATE, the time stays.
        with CaptureQueriesContext(connection) as queries:
            assert api(client, "GET", "/api/v1/patients", token=token).status_code == 200
        assert not [q for q in queries if "core_apitoken" in q["sql"] and q["sql"].startswith("UPDATE")]
        assert ApiToken.objects.get(pk=stored.pk).last_used_at == first
        # A use more than a minute after the last one is written.
        ApiToken.objects.filter(pk=stored.pk).update(last_used_at=first - timedelta(minutes=2))
        assert api(client, "GET", "/api/v1/patients", token=token).status_code == 200
        assert ApiToken.objects.get(pk=stored.pk).last_used_at > first

    def test_a_token_of_an_inactive_user_is_refused(self, client: Client, token: str, frank: User) -> None:
        frank.is_active = False
        frank.save()
        assert api(client, "GET", "/api/v1/patients", token=token).status_code == 401

    def test_a_session_needs_the_csrf_token_for_writes(self, frank: User) -> None:
        client = Client(enforce_csrf_checks=True)
        login(client, frank)
        assert api(client, "POST", "/api/v1/patients", BODY).status_code == 403
        assert not Patient.objects.exists()


class TestPatients:
    def test_create_read_and_patch(self, client: Client, token: str, location: Location) -> None:
        r = api(
            client,
            "POST",
            "/api/v1/patients",
            {**BODY, "phone": "(206) 555-0150", "preferred_location_id": str(location.public_id)},
            token=token,
        )
        created = r.json()
        assert created["mrn"] == "0000001" and created["phone"] == "206-555-0150"
        assert created["preferred_location_id"] == str(location.public_id)
        r = api(client, "GET", f"/api/v1/patients/{created['id']}", token=token)
        assert r.json()["given_name"] == "Nora"
        r = api(client, "PATCH", f"/api/v1/patients/{created['id']}", {"email": "nora@example.com"}, token=token)
        assert r.status_code == 200 and r.json()["email"] == "nora@example.com"
        assert r.json()["family_name"] == "Quayle"

    def test_search_is_paginated_and_audited(self, client: Client, token: str, organization: Organization) -> None:
        PatientFactory.create_batch(30, organization=organization, family_name="Marlowe")
        r = api(client, "GET", "/api/v1/patients?q=marl&page=2", token=token)
        assert r.json()["count"] == 30 and len(r.json()["items"]) == 5
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_SEARCHED).count() == 1

    def test_reading_a_patient_is_audited(self, client: Client, token: str, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        api(client, "GET", f"/api/v1/patients/{patient.public_id}", token=token)
        assert AuditEvent.objects.filter(action=AuditAction.PATIENT_VIEWED, patient=patient).exists()

    def test_a_missing_or_foreign_patient_is_404(self, client: Client, token: str) -> None:
        other = PatientFactory()
        for url in ("/api/v1/patients/00000000-0000-0000-0000-000000000000", f"/api/v1/patients/{other.public_id}"):
            r = api(client, "GET", url, token=token)
            assert r.status_code == 404 and r.json()["errors"][0]["message"]
        assert (
            api(client, "PATCH", f"/api/v1/patients/{other.public_id}", {"pronouns": "x"}, token=token).status_code
            == 404
        )

    @pytest.mark.parametrize(
        "change, field, message",
        [
            ({"birth_date": "2999-01-01"}, "birth_date", "cannot be in the future"),
            ({"birth_date": "not a date"}, "birth_date", "date"),
            ({"phone": "12345"}, "phone", "10 digits"),
            ({"email": "nora@"}, "email", "valid email"),
            ({"postal_code": "9810"}, "postal_code", "ZIP"),
            ({"sex": "robot"}, "sex", "female"),
            ({"family_name": ""}, "family_name", "cannot be blank"),
            (
                {"preferred_location_id": "00000000-0000-0000-0000-000000000000"},
                "preferred_location_id",
                "No such location",
            ),
        ],
    )
    def test_invalid_data_is_422_with_a_message_per_field(
        self, client: Client, token: str, change: dict, field: str, message: str
    ) -> None:
        r = api(client, "POST", "/api/v1/patients", {**BODY, **change}, token=token)
        assert r.status_code == 422
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert message in errors[field], errors
        assert not Patient.objects.exists()

    def test_a_missing_required_field_is_422(self, client: Client, token: str) -> None:
        r = api(client, "POST", "/api/v1/patients", {"given_name": "Nora"}, token=token)
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"family_name", "birth_date", "sex"}

    def test_patch_with_bad_data_changes_nothing(self, client: Client, token: str, organization: Organization) -> None:
        patient = PatientFactory(organization=organization, phone="206-555-0100")
        r = api(
            client,
            "PATCH",
            f"/api/v1/patients/{patient.public_id}",
            {"phone": "1", "family_name": "Changed"},
            token=token,
        )
        assert r.status_code == 422
        patient.refresh_from_db()
        assert patient.phone == "206-555-0100" and patient.family_name != "Changed"

    def test_null_for_a_required_field_is_422(self, client: Client, token: str, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        r = api(client, "PATCH", f"/api/v1/patients/{patient.public_id}", {"family_name": None}, token=token)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "family_name"

    def test_malformed_json_is_not_a_500(self, client: Client, token: str) -> None:
        r = client.post(
            "/api/v1/patients",
            data="{not json",
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code in (400, 422)


@pytest.mark.parametrize("url", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_docs_and_schema_are_for_staff(client: Client, tess: User, token: str, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 401 and r.json()["errors"]
    assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    login(client, tess)
    r = client.get(url)
    assert r.status_code == 200
    if url.endswith(".json"):
        assert "/api/v1/patients" in r.json()["paths"]
