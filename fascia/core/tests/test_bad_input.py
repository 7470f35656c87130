"""No input produces a 500: page numbers, NUL characters, implausible dates, blank names, oversized uploads and
nulls are refused with a 4xx (the API in its {"errors": [...]} shape; pages with a form error)."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fascia.conftest import login
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.evaluations.models import Evaluation
from fascia.lib.uploads import MAX_UPLOAD_BYTES
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.referrals.models import ReferringProvider
from fascia.referrals.services import record_referral
from fascia.visits import services as visit_services

HUGE = "9223372036854775808"  # 2**63: one past PostgreSQL's bigint


def api(client: Client, method: str, url: str, user: User, body: object = None, raw: str | None = None):
    token = services.create_api_token(actor=user, user=user, name="probe")[1]
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    return client.generic(
        method, url, data=data, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


def assert_errors(r, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.content
    assert r["Content-Type"].startswith("application/json")
    errors = r.json()["errors"]
    assert errors and all(error["message"] for error in errors)
    if field is not None:
        assert field in [error.get("field") for error in errors], errors


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


class TestPageNumbers:
    @pytest.mark.parametrize("page", [HUGE, "-1", "0", "two"])
    def test_the_api_refuses_a_page_number_out_of_range(
        self, client: Client, tess: User, patient: Patient, page: str
    ) -> None:
        for url in ("/api/v1/patients", f"/api/v1/patients/{patient.public_id}/notes"):
            assert_errors(api(client, "GET", f"{url}?page={page}", tess), 422, "page")

    @pytest.mark.parametrize("page", [HUGE, "-1", "two"])
    def test_pages_show_a_page_for_any_page_number(
        self, client: Client, ada: User, patient: Patient, page: str
    ) -> None:
        login(client, ada)
        for url in (
            reverse("patients:list"),
            reverse("visits:patient_notes", args=[patient.public_id]),
            reverse("core:audit_search"),
        ):
            assert client.get(url, {"page": page}).status_code == 200


class TestNulCharacters:
    def test_the_api_refuses_nul_in_a_body_field(self, client: Client, frank: User) -> None:
        body = {"family_name": "Quayle\x00", "given_name": "Nora", "birth_date": "1990-01-01", "sex": "female"}
        assert_errors(api(client, "POST", "/api/v1/patients", frank, body), 400, "family_name")
        assert not Patient.objects.exists()

    def test_the_api_refuses_nul_nested_in_a_body(self, client: Client, tess: User, patient: Patient) -> None:
        body = {"body_marks": [{"note": "knot\x00"}]}
        r = api(client, "POST", f"/api/v1/patients/{patient.public_id}/evaluations", tess, body)
        assert_errors(r, 400, "body_marks.0.note")

    def test_the_api_refuses_nul_in_a_query(self, client: Client, frank: User) -> None:
        assert_errors(api(client, "GET", "/api/v1/patients?q=a%00b", frank), 400, "q")

    def test_a_page_refuses_nul_in_a_query(self, client: Client, frank: User) -> None:
        login(client, frank)
        assert client.get(reverse("patients:list"), {"q": "a\x00b"}).status_code == 400

    def test_a_form_shows_nul_as_a_field_error(self, client: Client, frank: User) -> None:
        login(client, frank)
        r = client.post(reverse("patients:create"), {"family_name": "Quayle\x00", "given_name": "Nora"})
        assert r.status_code == 200 and "Null characters are not allowed." in r.content.decode()
        assert not Patient.objects.exists()


class TestDates:
    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
    def test_the_appointments_api_refuses_a_day_out_of_range(self, client: Client, frank: User, day: str) -> None:
        assert_errors(api(client, "GET", f"/api/v1/appointments?date={day}", frank), 422, "date")

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
    def test_booking_through_the_api_refuses_a_day_out_of_range(
        self, client: Client, frank: User, tess: User, patient: Patient, day: str
    ) -> None:
        body = {
            "patient_id": str(patient.public_id),
            "practitioner_id": str(tess.practitioner.public_id),
            "location_id": str(tess.practitioner.locations.get().public_id),
            "type": "follow-up-30",
            "start_at": f"{day}T10:00:00-05:00",
        }
        assert_errors(api(client, "POST", "/api/v1/appointments", frank, body), 422, "start_at")

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30"])
    def test_the_schedule_pages_show_today_for_a_day_out_of_range(self, client: Client, frank: User, day: str) -> None:
        login(client, frank)
        today = timezone.localdate()
        r = client.get(reverse("scheduling:day"), {"date": day})
        assert r.status_code == 200 and r.context["day"] == today
        r = client.get(reverse("scheduling:week"), {"date": day})
        assert r.status_code == 200 and r.context["monday"] == today - timedelta(days=today.weekday())

    def test_a_note_cannot_be_dated_years_ahead(self, tess: User, patient: Patient) -> None:
        note = visit_services.start_note(actor=tess, patient=patient)
        with pytest.raises(ValidationError, match="Give a date until"):
            visit_services.save_note(actor=tess, note=note, visited_on=date(2099, 1, 1))
        note.refresh_from_db()
        assert note.visited_on == timezone.localdate()

    def test_a_referral_cannot_run_to_9999(self, frank: User, patient: Patient) -> None:
        provider = ReferringProvider.objects.create(
            organization=patient.organization, kind="physician", name="Dr. Ruth Ng", credentials="MD", npi="1558598797"
        )
        today = timezone.localdate()
        fields = {"referral_date": today, "order": "Massage", "visits_authorized": 6}
        with pytest.raises(ValidationError) as refused:
            record_referral(actor=frank, patient=patient, provider=provider, expires_on=date(9999, 12, 31), **fields)
        assert "expires_on" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            record_referral(
                actor=frank, patient=patient, provider=provider, **{**fields, "referral_date": date(2099, 1, 1)}
            )
        assert "referral_date" in refused.value.message_dict
        record_referral(
            actor=frank, patient=patient, provider=provider, expires_on=today + timedelta(days=365), **fields
        )


class TestOtherInput:
    def test_a_family_name_of_spaces_is_refused(self, client: Client, frank: User) -> None:
        body = {"family_name": "   ", "given_name": "Nora", "birth_date": "1990-01-01", "sex": "female"}
        assert_errors(api(client, "POST", "/api/v1/patients", frank, body), 422, "family_name")
        assert not Patient.objects.exists()

    def test_null_red_flags_on_an_evaluation_is_422_and_starts_nothing(
        self, client: Client, tess: User, patient: Patient
    ) -> None:
        r = api(client, "POST", f"/api/v1/patients/{patient.public_id}/evaluations", tess, {"red_flags": None})
        assert_errors(r, 422, "red_flags")
        assert not Evaluation.objects.exists()

    def test_an_oversized_835_is_refused_by_its_size(self, client: Client, bill: User) -> None:
        login(client, bill)
        upload = SimpleUploadedFile("era.835", b"\xff" * (MAX_UPLOAD_BYTES + 1))  # not even text
        r = client.post(reverse("billing:remittances"), {"file": upload})
        assert r.status_code == 200 and "the limit is 10 MB" in r.content.decode()

    def test_the_import_command_refuses_an_oversized_file(self, tmp_path, organization: Organization) -> None:
        big = tmp_path / "era.835"
        big.write_bytes(b"\xff" * (MAX_UPLOAD_BYTES + 1))
        with pytest.raises(CommandError, match="the limit is 10 MB"):
            call_command("import_835", str(big))

    def test_an_unknown_api_path_and_method_answer_in_the_error_shape(self, client: Client, frank: User) -> None:
        assert_errors(api(client, "GET", "/api/v1/no-such-thing", frank), 404)
        r = api(client, "DELETE", "/api/v1/patients", frank)
        assert_errors(r, 405)
        assert "GET" in r["Allow"]
