import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.practitioners.models import CourseRecord, Credential, Practitioner

pytestmark = pytest.mark.usefixtures("frozen")

COURSE = {
    "title": "Ethics in medical massage",
    "provider": "NW Institute",
    "category": "ethics",
    "hours": "3",
    "started_on": "2026-10-01",
    "completed_on": "2026-10-01",
}
CREDENTIAL = {
    "kind": "cpr",
    "name": "CPR and first aid",
    "issuing_body": "American Red Cross",
    "issued_on": "2026-06-01",
    "expires_on": "2028-06-01",
}


@pytest.fixture
def frozen():
    with time_machine.travel("2026-12-02 14:00Z", tick=False):
        yield


@pytest.fixture
def license_(tess: User) -> Credential:
    # Washington: 24 CE hours every two years, with 8 hands-on, 4 ethics and 2 health equity.
    license_ = Credential.objects.create(
        practitioner=tess.practitioner,
        kind=Credential.Kind.LICENSE,
        name="Washington LMT",
        issuing_body="Washington State Department of Health",
        state="WA",
        number="MA60000001",
        issued_on=date(2023, 1, 31),
        expires_on=date(2027, 1, 31),
    )
    CourseRecord.objects.create(
        practitioner=tess.practitioner,
        title="Myofascial release of the neck",
        provider="NW Institute",
        category="hands-on",
        hours=Decimal("16"),
        started_on=date(2025, 6, 1),
        completed_on=date(2025, 6, 2),
    )
    return license_


@pytest.fixture
def paul(organization: Organization) -> User:
    """Another practitioner of the same clinic."""
    user = make_user(organization, "paul", Role.PRACTITIONER)
    Practitioner.objects.create(
        user=user, npi=with_check_digit("123456781"), license_number="MA60000002", license_state="WA"
    )
    return user


def url(user: User, what: str) -> str:
    return f"/api/v1/practitioners/{user.practitioner.public_id}/{what}"


def post(client: Client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


class TestReading:
    @pytest.mark.parametrize("what", ["credentials", "courses"])
    @pytest.mark.parametrize("who, status", [("ada", 200), ("tess", 200), ("paul", 403), ("frank", 403), ("bill", 403)])
    def test_admins_and_the_practitioner_themself_read(
        self, request, client: Client, tess: User, license_: Credential, what: str, who: str, status: int
    ) -> None:
        login(client, request.getfixturevalue(who))
        r = client.get(url(tess, what))
        assert r.status_code == status, r.content
        if status == 200:
            assert len(r.json()) == 1
        else:
            assert r.json()["errors"][0]["message"]

    def test_another_organizations_practitioner_is_not_found(self, client: Client, ada: User) -> None:
        elsewhere = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
        stranger = make_user(elsewhere, "stranger", Role.PRACTITIONER)
        Practitioner.objects.create(
            user=stranger, npi=with_check_digit("123456782"), license_number="X1", license_state="WA"
        )
        login(client, ada)
        assert client.get(url(stranger, "credentials")).status_code == 404
        assert post(client, url(stranger, "courses"), COURSE).status_code == 404
        assert not CourseRecord.objects.exists()

    def test_credentials_show_their_standing_and_ce_progress(
        self, client: Client, tess: User, license_: Credential
    ) -> None:
        login(client, tess)
        (row,) = client.get(url(tess, "credentials")).json()
        assert row["id"] == str(license_.public_id) and row["name"] == "Washington LMT"
        assert (row["standing"], row["days_left"], row["expires_on"]) == ("expiring", 60, "2027-01-31")
        assert row["ce"] == {
            "cycle_starts": "2025-02-01",
            "cycle_ends": "2027-01-31",
            "days_left": 60,
            "required": 24.0,
            "counted": 16.0,
            "by_category": {"hands-on": 16.0, "ethics": 0.0, "health-equity": 0.0},
            "missing": {"ethics": 4.0, "health-equity": 2.0, "total": 8.0},
        }

    def test_courses_are_listed_latest_first(self, client: Client, tess: User, license_: Credential) -> None:
        login(client, tess)
        assert post(client, url(tess, "courses"), COURSE).status_code == 201
        courses = client.get(url(tess, "courses")).json()
        assert [(c["title"], c["hours"]) for c in courses] == [
            ("Ethics in medical massage", 3.0),
            ("Myofascial release of the neck", 16.0),
        ]


class TestRecordingCourses:
    def test_a_practitioner_records_their_own_course(self, client: Client, tess: User, license_: Credential) -> None:
        login(client, tess)
        r = post(client, url(tess, "courses"), COURSE)
        assert r.status_code == 201, r.content
        course = CourseRecord.objects.get(public_id=r.json()["id"])
        assert (course.practitioner, course.category, course.hours) == (tess.practitioner, "ethics", Decimal("3"))
        assert AuditEvent.objects.filter(action=AuditAction.COURSE_RECORDED, actor=tess).count() == 1
        ethics = client.get(url(tess, "credentials")).json()[0]["ce"]["missing"]
        assert ethics == {"ethics": 1.0, "health-equity": 2.0, "total": 5.0}

    def test_an_admin_records_one_for_a_practitioner(self, client: Client, ada: User, tess: User) -> None:
        login(client, ada)
        assert post(client, url(tess, "courses"), COURSE).status_code == 201
        assert tess.practitioner.courses.count() == 1

    def test_it_refuses_another_practitioner(self, client: Client, tess: User, paul: User) -> None:
        login(client, paul)
        assert post(client, url(tess, "courses"), COURSE).status_code == 403
        assert not CourseRecord.objects.exists()

    @pytest.mark.parametrize("hours", ["0", "-2", "1.25", "120", "many"])
    def test_bad_hours_are_422(self, client: Client, tess: User, hours: str) -> None:
        login(client, tess)
        r = post(client, url(tess, "courses"), {**COURSE, "hours": hours})
        assert r.status_code == 422, r.content
        assert "hours" in {e.get("field") for e in r.json()["errors"]}
        assert not CourseRecord.objects.exists()

    def test_a_course_not_yet_completed_is_422(self, client: Client, tess: User) -> None:
        login(client, tess)
        r = post(client, url(tess, "courses"), {**COURSE, "started_on": "2026-12-10", "completed_on": "2026-12-11"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "completed_on"
        assert not CourseRecord.objects.exists()


class TestRecordingCredentials:
    def test_an_admin_records_a_credential(self, client: Client, ada: User, tess: User) -> None:
        login(client, ada)
        r = post(client, url(tess, "credentials"), CREDENTIAL)
        assert r.status_code == 201, r.content
        assert (r.json()["standing"], r.json()["ce"], r.json()["status"]) == ("current", None, "active")
        credential = tess.practitioner.credentials.get()
        assert (credential.kind, credential.expires_on) == ("cpr", date(2028, 6, 1))
        assert AuditEvent.objects.filter(action=AuditAction.CREDENTIAL_SAVED, actor=ada).count() == 1

    def test_it_refuses_the_practitioner_themself(self, client: Client, tess: User) -> None:
        login(client, tess)
        r = post(client, url(tess, "credentials"), CREDENTIAL)
        assert r.status_code == 403 and r.json()["errors"][0]["message"] == "Only admins record credentials."
        assert not Credential.objects.exists()

    @pytest.mark.parametrize("who", ["frank", "bill", "paul"])
    def test_it_refuses_other_roles(self, request, client: Client, tess: User, who: str) -> None:
        login(client, request.getfixturevalue(who))
        assert post(client, url(tess, "credentials"), CREDENTIAL).status_code == 403
        assert not Credential.objects.exists()

    def test_expiry_before_issue_is_422(self, client: Client, ada: User, tess: User) -> None:
        login(client, ada)
        r = post(client, url(tess, "credentials"), {**CREDENTIAL, "expires_on": "2026-01-01"})
        assert r.status_code == 422
        assert r.json()["errors"] == [{"field": "expires_on", "message": "It cannot expire before it was issued."}]
        assert not Credential.objects.exists()

    def test_a_license_without_a_state_or_an_unknown_kind_is_422(self, client: Client, ada: User, tess: User) -> None:
        login(client, ada)
        r = post(client, url(tess, "credentials"), {**CREDENTIAL, "kind": "license"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "state"
        r = post(client, url(tess, "credentials"), {**CREDENTIAL, "kind": "diploma"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
        assert not Credential.objects.exists()
