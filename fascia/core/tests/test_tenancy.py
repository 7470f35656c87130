"""Isolation the database enforces (issue 25, point 3; fascia.core.tenancy): on PostgreSQL a query bound
to one clinic finds nothing of another, whether it filters or not, and cannot write into another.

The demo clinic fills nearly every table; a second, empty clinic is the one bound to. SQLite has no roles:
its isolation is the application's filters, tested by the permission and cross-organization tests.
"""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from fascia.analytics.models import ConditionGroup
from fascia.audit.models import AuditEvent
from fascia.billing.models import NcciPair
from fascia.conftest import login, make_user
from fascia.core import services, tenancy
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.patients.models import Condition, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.practitioners.models import RenewalRequirement
from fascia.techniques.models import Technique

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's")

# Tables the demo leaves empty (remittances come with `demo_835`; tokens, alerts, addenda… with use):
# every other clinic table holds rows, which the bound queries must find all of, or none of. The first
# test shows these have their policy too.
EMPTY_IN_DEMO = {
    "analytics_snapshot",  # counted when a page first asks for its figures
    "billing_provideradjustment",
    "core_apitoken",
    "core_user_user_permissions",
    "evaluations_addendum",
    "evaluations_redflagclearance",
    "notifications_notification",
    "otp_totp_totpdevice",
    "patients_intakeitem",  # the demo's portal patient, Maria Santos, came before the portal: no intake
    "patients_intakesubmission",
    "practitioners_credentialalert",
    "referrals_correspondence",
    "scheduling_onlinetype_locations",  # the demo opens its online types with everyone everywhere: none chosen
    "scheduling_onlinetype_practitioners",
    "scheduling_timeoff",
    "scheduling_waitlistentry",
    "visits_noteaddendum",
}


@pytest.fixture
def clinics(demo_clinic: None, db: None) -> tuple[Organization, Organization]:
    """The demo clinic, and another with nothing in it yet."""
    return Organization.objects.get(is_demo=True), Organization.objects.create(legal_name="Another Clinic")


def counts(tables: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables))
        return dict(cursor.fetchall())


def test_every_table_of_a_clinic_has_its_policy(db: None) -> None:
    tables = list(tenancy.policies())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relrowsecurity AND c.relname = ANY(%s)"
            " AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.roles = ARRAY[%s]::name[])",
            [tables, settings.DATABASE_ROLE],
        )
        secured = {row[0] for row in cursor.fetchall()}
    assert secured == set(tables)
    assert {"patients_patient", "visits_visitnote", "billing_claim", "billing_claimline", "audit_auditevent"} <= secured


def test_a_raw_query_bound_to_another_clinic_sees_nothing(clinics: tuple[Organization, Organization]) -> None:
    demo, other = clinics
    AuditEvent.objects.create(action="core.login.failed", target_type="core.user")  # the installation's own
    tables = list(tenancy.policies())
    everything = counts(tables)  # as the owner: no policy applies
    assert sorted(t for t, n in everything.items() if n == 0) == sorted(EMPTY_IN_DEMO)

    with tenancy.acting_for(other.pk):
        seen_by_other = counts(tables)
    defaults = {  # what a new clinic starts with (fascia.core.services): all it may see
        "core_organization": 1,
        "techniques_technique": Technique.objects.filter(organization=other).count(),
        "practitioners_renewalrequirement": RenewalRequirement.objects.filter(organization=other).count(),
        "billing_nccipair": NcciPair.objects.filter(organization=other).count(),
        "analytics_conditiongroup": ConditionGroup.objects.filter(organization=other).count(),
    }
    assert {t: n for t, n in seen_by_other.items() if n} == defaults

    with tenancy.acting_for(demo.pk):
        seen_by_demo = counts(tables)
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "patients_patient" WHERE "organization_id" = %s', [other.pk])
            assert cursor.fetchone() == (0,)
    # Each row is one clinic's: the two see all of them between them, and none twice; but for the audit
    # events of no clinic (a failed sign-in), which only the owner reads.
    everything["audit_auditevent"] -= AuditEvent.objects.filter(organization=None).count()
    assert {t: seen_by_demo[t] + seen_by_other[t] for t in tables} == everything


def test_the_role_with_no_clinic_set_sees_nothing(clinics: tuple[Organization, Organization]) -> None:
    tables = list(tenancy.policies())
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{settings.DATABASE_ROLE}"')
        try:
            assert set(counts(tables).values()) == {0}
        finally:
            cursor.execute("RESET ROLE")


def test_writing_into_another_clinic_is_refused(clinics: tuple[Organization, Organization]) -> None:
    demo, other = clinics
    patient = Patient.objects.filter(organization=demo).first()
    assert patient is not None
    stray = PatientFactory.build(organization=demo, mrn="STRAY-1")
    with tenancy.acting_for(other.pk):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Condition.objects.create(patient=patient, description="Written into the wrong clinic")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            stray.save()
        assert Patient.objects.filter(pk=patient.pk).update(family_name="Renamed") == 0  # not even found
    patient.refresh_from_db()
    assert patient.family_name != "Renamed" and not Condition.objects.filter(description__contains="wrong").exists()


@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE "audit_auditevent" SET "action" = \'rewritten\'',
        'DELETE FROM "records_seal"',
        'ALTER TABLE "patients_patient" DISABLE ROW LEVEL SECURITY',
        'DROP POLICY fascia_organization ON "patients_patient"',
        'TRUNCATE "audit_auditevent"',
    ],
)
def test_the_role_cannot_rewrite_the_trail_or_lift_the_policies(
    clinics: tuple[Organization, Organization], statement: str
) -> None:
    demo, _ = clinics
    with (
        tenancy.acting_for(demo.pk),
        pytest.raises(DatabaseError, match="permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


# A page that forgets its organization filter: the database still answers with one clinic's rows.


def every_patient(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"mrns": list(Patient.objects.values_list("mrn", flat=True))})  # no filter, on purpose


urlpatterns = [path("every-patient", every_patient)]


@pytest.mark.urls(__name__)
def test_a_request_that_forgets_its_filter_gets_only_its_clinics_rows(
    clinics: tuple[Organization, Organization], client: Client
) -> None:
    demo, other = clinics
    user = make_user(other, "otto", Role.FRONT_DESK)
    mine = PatientFactory(organization=other)
    login(client, user)
    assert client.get("/every-patient").json() == {"mrns": [mine.mrn]}
    assert Patient.objects.filter(organization=demo).count() > 1  # the test's own code runs as the owner


def test_an_api_token_binds_its_request_to_the_tokens_clinic(clinics: tuple[Organization, Organization]) -> None:
    demo, other = clinics
    user = make_user(other, "otto", Role.FRONT_DESK)
    token = services.create_api_token(actor=user, user=user, name="isolation")[1]
    demo_patient = Patient.objects.filter(organization=demo).first()
    assert demo_patient is not None
    with CaptureQueriesContext(connection) as queries:
        r = Client().get("/api/v1/patients", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["count"] == 0
    bound = [q["sql"] for q in queries.captured_queries if "set_config('role'" in q["sql"]]
    assert len(bound) == 2 and f"'{other.pk}'" in bound[0]  # bound once the token was read, then released
    r = Client().get(f"/api/v1/patients/{demo_patient.public_id}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404


def test_requests_leave_the_connection_as_they_found_it(clinics: tuple[Organization, Organization]) -> None:
    demo, _ = clinics
    user = User.objects.filter(organization=demo, groups__name=Role.FRONT_DESK).first()
    assert user is not None
    client = Client()
    login(client, user)
    assert client.get("/patients/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = session_user, current_setting('fascia.organization', true)")
        assert cursor.fetchone() == (True, "")
