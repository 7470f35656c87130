import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fascia.conftest import login, make_user
from fascia.core.models import Location, Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import Practitioner
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote
from fascia.visits.tests.factories import appointment, signed_note

DAY = date(2026, 11, 2)
DEEP_TISSUE = {"technique": "deep-tissue", "region": "lower-back", "minutes": 20, "pressure": "firm"}


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def call(client: Client, method: str, url: str, body: dict | None = None):
    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def messages(r) -> dict:
    return {e.get("field"): e["message"] for e in r.json()["errors"]}


def draft(tess: User, patient: Patient, **fields: object) -> VisitNote:
    note = services.start_note(actor=tess, patient=patient, visited_on=DAY)
    rows = [{"technique_id": Technique.objects.get(code="deep-tissue").pk, "region": "lower-back", "minutes": 25}]
    return services.save_note(actor=tess, note=note, techniques=rows, **fields)


class TestCreating:
    def test_a_note_with_techniques_reads_back_its_minutes(self, client: Client, tess: User, patient: Patient) -> None:
        login(client, tess)
        r = call(
            client,
            "POST",
            f"/api/v1/patients/{patient.public_id}/notes",
            {
                "visited_on": "2026-11-02",
                "subjective": "Less stiff in the mornings.",
                "nprs_before": 6,
                "techniques": [
                    DEEP_TISSUE,
                    {"technique": "trigger-point", "region": "upper-back", "minutes": 10},
                    {"technique": "swedish", "region": "neck", "minutes": 15, "position": "prone"},
                ],
            },
        )
        assert r.status_code == 201, r.content
        created = r.json()
        assert created["status"] == "draft" and created["visited_on"] == "2026-11-02"
        assert created["nprs_before"] == 6 and created["patient_id"] == str(patient.public_id)
        assert [(t["technique"], t["cpt_code"], t["minutes"]) for t in created["techniques"]] == [
            ("deep-tissue", "97140", 20),
            ("trigger-point", "97140", 10),
            ("swedish", "97124", 15),
        ]
        read = client.get(f"/api/v1/notes/{created['id']}").json()
        assert read["minutes"] == {
            "codes": [
                {"cpt_code": "97124", "timed": True, "minutes": 15},
                {"cpt_code": "97140", "timed": True, "minutes": 30},
            ],
            "timed_total": 45,
            "total": 45,
        }

    def test_it_starts_the_note_of_an_appointment(
        self, client: Client, tess: User, patient: Patient, location: Location
    ) -> None:
        visit = appointment(tess, patient, location, DAY)
        login(client, tess)
        r = call(
            client, "POST", f"/api/v1/patients/{patient.public_id}/notes", {"appointment_id": str(visit.public_id)}
        )
        assert r.status_code == 201, r.content
        assert r.json()["appointment_id"] == str(visit.public_id) and r.json()["visited_on"] == "2026-11-02"
        again = call(
            client, "POST", f"/api/v1/patients/{patient.public_id}/notes", {"appointment_id": str(visit.public_id)}
        )
        assert again.status_code == 422 and "already has a note" in messages(again)["appointment_id"]

    @pytest.mark.parametrize(
        "body, field, message",
        [
            ({"techniques": [{**DEEP_TISSUE, "technique": "hot-stones"}]}, "techniques", "no technique 'hot-stones'"),
            (
                {"techniques": [DEEP_TISSUE, {**DEEP_TISSUE, "technique": "trigger-point", "minutes": 15}]},
                "techniques",
                "35 minutes, more than the 30-minute visit",
            ),
            ({"techniques": [{**DEEP_TISSUE, "minutes": -5}]}, "techniques.0.minutes", "greater than or equal to 1"),
            ({"nprs_before": 12}, "nprs_before", "less than or equal to 10"),
            ({"appointment_id": "00000000-0000-0000-0000-000000000000"}, "appointment_id", "No such appointment"),
        ],
    )
    def test_bad_input_is_422_and_creates_nothing(
        self,
        client: Client,
        tess: User,
        patient: Patient,
        location: Location,
        body: dict,
        field: str,
        message: str,
    ) -> None:
        visit = appointment(tess, patient, location, DAY)
        login(client, tess)
        before = VisitNote.objects.count()
        r = call(
            client,
            "POST",
            f"/api/v1/patients/{patient.public_id}/notes",
            {"appointment_id": str(visit.public_id), "subjective": "Sore.", **body},
        )
        assert r.status_code == 422, r.content
        assert message in messages(r)[field]
        assert VisitNote.objects.count() == before

    def test_it_refuses_billing_and_hides_drafts_from_it(
        self, client: Client, tess: User, bill: User, patient: Patient
    ) -> None:
        note = draft(tess, patient)
        login(client, bill)
        r = call(client, "POST", f"/api/v1/patients/{patient.public_id}/notes", {"subjective": "x"})
        assert r.status_code == 403
        assert VisitNote.objects.count() == 1
        # Billing reads only signed notes on a claim (test_permissions.test_note_rules): a draft is no note to it.
        assert client.get(f"/api/v1/notes/{note.public_id}").status_code == 404
        assert client.get(f"/api/v1/patients/{patient.public_id}/notes").json()["items"] == []

    def test_it_refuses_a_user_without_a_practitioner_profile(
        self, client: Client, organization: Organization, patient: Patient
    ) -> None:
        login(client, make_user(organization, "pia", Role.PRACTITIONER))
        r = call(client, "POST", f"/api/v1/patients/{patient.public_id}/notes", {"subjective": "x"})
        assert r.status_code == 422 and "Only a practitioner" in r.json()["errors"][0]["message"]
        assert not VisitNote.objects.exists()


class TestSigning:
    def test_signing_an_incomplete_note_lists_what_is_missing(
        self, client: Client, tess: User, patient: Patient
    ) -> None:
        note = services.start_note(actor=tess, patient=patient, visited_on=DAY)
        login(client, tess)
        r = call(client, "POST", f"/api/v1/notes/{note.public_id}/sign")
        assert r.status_code == 422
        message = r.json()["errors"][0]["message"]
        assert "a technique performed" in message and "pain before treatment" in message
        note.refresh_from_db()
        assert note.status == VisitNote.Status.DRAFT

    def test_a_signed_note_is_locked(self, client: Client, tess: User, patient: Patient) -> None:
        note = draft(tess, patient, nprs_before=5)
        login(client, tess)
        r = call(client, "POST", f"/api/v1/notes/{note.public_id}/sign")
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "signed" and r.json()["signed_by"] == "Tess Test"
        r = call(client, "PATCH", f"/api/v1/notes/{note.public_id}", {"subjective": "Changed"})
        assert r.status_code == 409 and "signed and locked" in r.json()["errors"][0]["message"]
        assert call(client, "POST", f"/api/v1/notes/{note.public_id}/sign").status_code == 409
        note.refresh_from_db()
        assert note.subjective == ""

    def test_only_the_treating_practitioner_signs(
        self, client: Client, tess: User, organization: Organization, patient: Patient
    ) -> None:
        note = draft(tess, patient, nprs_before=5)
        other = make_user(organization, "paul", Role.PRACTITIONER)
        Practitioner.objects.create(
            user=other, npi=with_check_digit("123456781"), license_number="MA60000002", license_state="WA"
        )
        login(client, other)
        r = call(client, "POST", f"/api/v1/notes/{note.public_id}/sign")
        assert r.status_code == 403 and "Only the practitioner who treated" in r.json()["errors"][0]["message"]


class TestEditing:
    def test_patch_replaces_the_techniques_and_keeps_the_rest(
        self, client: Client, tess: User, patient: Patient
    ) -> None:
        note = draft(tess, patient, subjective="Sore.")
        login(client, tess)
        r = call(
            client,
            "PATCH",
            f"/api/v1/notes/{note.public_id}",
            {"nprs_before": 4, "techniques": [{"technique": "swedish", "region": "neck", "minutes": 30}]},
        )
        assert r.status_code == 200, r.content
        assert r.json()["subjective"] == "Sore." and r.json()["nprs_before"] == 4
        assert r.json()["minutes"]["codes"] == [{"cpt_code": "97124", "timed": True, "minutes": 30}]

    def test_null_for_a_text_field_is_422(self, client: Client, tess: User, patient: Patient) -> None:
        note = draft(tess, patient, subjective="Sore.")
        login(client, tess)
        r = call(client, "PATCH", f"/api/v1/notes/{note.public_id}", {"subjective": None})
        assert r.status_code == 422 and "subjective" in messages(r)


def test_another_organizations_notes_are_404(client: Client, tess: User, patient: Patient) -> None:
    note = draft(tess, patient)
    elsewhere = Organization.objects.create(
        legal_name="Elsewhere Bodywork, LLC",
        tax_id="98-7654321",
        group_npi="1234567893",
        address_line1="2 Other Street",
        city="Portland",
        state="OR",
        postal_code="97201",
    )
    login(client, make_user(elsewhere, "otto", Role.PRACTITIONER))
    assert client.get(f"/api/v1/notes/{note.public_id}").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.public_id}/notes").status_code == 404
    assert call(client, "PATCH", f"/api/v1/notes/{note.public_id}", {"subjective": "x"}).status_code == 404
    assert call(client, "POST", f"/api/v1/notes/{note.public_id}/sign").status_code == 404
    note.refresh_from_db()
    assert note.subjective == "" and note.status == VisitNote.Status.DRAFT


def test_the_list_takes_the_same_queries_however_many_notes(client: Client, tess: User, patient: Patient) -> None:
    signed = signed_note(tess, patient, DAY)
    login(client, tess)
    url = f"/api/v1/patients/{patient.public_id}/notes"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # warm up whatever is cached once per process
    one = queries()
    services.add_addendum(actor=tess, note=signed, text="Also worked the glutes.")
    signed_note(tess, patient, date(2026, 11, 5))
    draft(tess, patient)
    assert client.get(url).json()["count"] == 3
    assert queries() == one


def test_the_list_comes_25_notes_a_page_newest_first(client: Client, tess: User, patient: Patient) -> None:
    days = [date(2026, 1, 5) + timedelta(days=3 * n) for n in range(27)]
    for day in days:
        signed_note(tess, patient, day)
    login(client, tess)
    url = f"/api/v1/patients/{patient.public_id}/notes"
    first, second = client.get(url).json(), client.get(f"{url}?page=2").json()
    assert first["count"] == second["count"] == 27
    newest_first = [day.isoformat() for day in reversed(days)]
    assert [n["visited_on"] for n in first["items"]] == newest_first[:25]
    assert [n["visited_on"] for n in second["items"]] == newest_first[25:]
