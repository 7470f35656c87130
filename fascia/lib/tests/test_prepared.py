import gc
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Left
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.core.models import Organization, User
from fascia.core.queries import SIGNED_IN_USER, signed_in_users
from fascia.core.roles import Role
from fascia.lib.prepared import PreparedQuery, unprepared, warm_up
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory


def fields(instance: object) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_a_prepared_query_reads_what_its_queryset_reads(personas: dict[str, User]) -> None:
    """The same columns, annotations and select_related objects (a practitioner's profile, or none)."""
    TOTPDevice.objects.create(user=personas[Role.ADMIN], name="phone", confirmed=True)
    for role, user in personas.items():
        expected = signed_in_users().get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            read = SIGNED_IN_USER.first(user.pk)
            assert fields(read) == fields(expected) and not read._state.adding
            assert fields(read.organization) == fields(expected.organization)
            profile = getattr(read, "practitioner", None)
            assert (profile is not None) == (role == Role.PRACTITIONER)
            assert profile is None or fields(profile) == fields(expected.practitioner)
        assert len(queries) == 1
    assert [SIGNED_IN_USER.first(u.pk).has_second_factor for u in personas.values()] == [False, False, False, True]


def test_each_run_reads_the_database_again(tess: User) -> None:
    assert SIGNED_IN_USER.first(tess.pk).is_active
    User.objects.filter(pk=tess.pk).update(is_active=False, first_name="Tessa")
    again = SIGNED_IN_USER.first(tess.pk)
    assert (again.is_active, again.first_name) == (False, "Tessa")
    assert SIGNED_IN_USER.first(tess.pk + 1000) is None


def test_all_reads_every_row_as_its_queryset_does(personas: dict[str, User]) -> None:
    """Rows in the queryset's order and slice, with their annotation and select_related objects (a
    practitioner's profile, or none); another value reads other rows, or none."""
    organization_id = personas[Role.ADMIN].organization_id
    query = PreparedQuery(
        lambda organization_id: (
            User.objects.filter(organization_id=organization_id)
            .select_related("practitioner")
            .annotate(initial=Left("username", 1))
            .order_by("-username")[:3]
        )
    )
    expected = list(query.build(organization_id))
    with CaptureQueriesContext(connection) as queries:
        read = query.all(organization_id)
        assert [fields(user) for user in read] == [fields(user) for user in expected]
        profiles = [getattr(user, "practitioner", None) for user in read]
        assert [p and fields(p) for p in profiles] == [
            getattr(u, "practitioner", None) and fields(u.practitioner) for u in expected
        ]
    assert len(queries) == 1
    assert len(read) == 3 and read[0].initial == read[0].username[0]
    assert query.all(organization_id + 1000) == []


def test_unprepared_queries_are_planned_for_their_values(personas: dict[str, User]) -> None:
    """psycopg prepares a statement run five times on a PostgreSQL connection (settings.py); inside
    unprepared() it prepares none and uses none it prepared, and after it prepares again. SQLite has no
    prepared statements: there the same queries simply run."""
    organization_id = personas[Role.ADMIN].organization_id
    usernames = sorted(user.username for user in personas.values())

    def read() -> list[str]:
        return list(
            User.objects.filter(organization_id=organization_id).order_by("username").values_list("username", flat=True)
        )

    def prepared() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%"core_user"."username"%']
            )
            return cursor.fetchone()[0]

    with unprepared():
        assert all(read() == usernames for _ in range(8))
    assert prepared() == 0
    assert all(read() == usernames for _ in range(8))
    assert prepared() == (1 if connection.vendor == "postgresql" else 0)


def test_a_uuid_value_takes_a_uuid_or_its_text(personas: dict[str, User]) -> None:
    """As Django sends a UUID to each database (SQLite: its hex digits); malformed text is a ValueError."""
    user = personas[Role.ADMIN]
    query = PreparedQuery(lambda public_id: User.objects.filter(public_id=public_id), kinds=(UUID,))
    assert query.first(user.public_id).pk == user.pk
    assert query.first(str(user.public_id)).pk == user.pk
    assert query.first(uuid4()) is None
    with pytest.raises(ValueError):
        query.first("not-a-uuid")


def test_several_values_of_each_kind_each_in_its_place(organization: Organization) -> None:
    """An id, a date and a moment, sent as each database takes them (SQLite: dates and times as text);
    a value used in two lookups fills both."""
    older = PatientFactory(organization=organization, birth_date=date(1970, 3, 1))
    younger = PatientFactory(organization=organization, birth_date=date(1990, 7, 15))
    query = PreparedQuery(
        lambda organization_id, born, added: Patient.objects.filter(
            organization_id=organization_id, birth_date__gte=born, created_at__lte=added
        ).order_by("birth_date"),
        kinds=(int, date, datetime),
    )
    now = timezone.now()
    assert query.all(organization.pk, date(1960, 1, 1), now) == [older, younger]
    assert query.all(organization.pk, date(1980, 1, 1), now) == [younger]
    assert query.all(organization.pk, date(1960, 1, 1), older.created_at - timedelta(seconds=1)) == []
    assert query.all(organization.pk + 1000, date(1960, 1, 1), now) == []
    born_on = PreparedQuery(lambda day: Patient.objects.filter(birth_date__gte=day, birth_date__lte=day), kinds=(date,))
    assert born_on.all(date(1990, 7, 15)) == [younger] and born_on.all(date(1990, 7, 16)) == []


def test_a_values_query_gives_the_dicts_its_queryset_gives(organization: Organization) -> None:
    """Columns and annotations by name, through the fields' converters (SQLite's dates and UUIDs), grouped
    as the queryset groups them; values_list() is refused rather than given as dicts."""
    patients = [PatientFactory(organization=organization, birth_date=born) for born in (date(1970, 3, 1),) * 2]
    PatientFactory(organization=organization, birth_date=date(1990, 7, 15))
    each = PreparedQuery(
        lambda organization_id: (
            Patient.objects.filter(organization_id=organization_id)
            .values("public_id", "birth_date")
            .annotate(initial=Left("family_name", 1))
            .order_by("birth_date", "pk")
        )
    )
    rows = each.all(organization.pk)
    assert rows == list(each.build(organization.pk)) and len(rows) == 3
    assert rows[0] == {
        "public_id": patients[0].public_id,
        "birth_date": date(1970, 3, 1),
        "initial": patients[0].family_name[0],
    }
    assert each.first(organization.pk) == rows[0] and each.all(organization.pk + 1000) == []
    per_day = PreparedQuery(
        lambda organization_id: (
            Patient.objects.filter(organization_id=organization_id)
            .values("birth_date")
            .annotate(patients=Count("pk"))
            .order_by("birth_date")
        )
    )
    assert per_day.all(organization.pk) == [
        {"birth_date": date(1970, 3, 1), "patients": 2},
        {"birth_date": date(1990, 7, 15), "patients": 1},
    ]
    with pytest.raises(TypeError):
        PreparedQuery(lambda pk: Patient.objects.filter(pk=pk).values_list("mrn")).all(1)


def test_a_query_of_no_values_reads_the_same_rows_each_run(organization: Organization) -> None:
    """kinds=(): a table read whole (the technique catalog), as its queryset reads it."""
    query = PreparedQuery(lambda: Organization.objects.order_by("pk"), kinds=())
    assert query.all() == list(Organization.objects.order_by("pk")) and organization in query.all()
    Organization.objects.filter(pk=organization.pk).update(legal_name="Renamed clinic")
    assert query.first().legal_name == Organization.objects.order_by("pk").first().legal_name


def test_warm_up_compiles_every_query_both_ways_and_has_postgresql_plan_each(organization: Organization) -> None:
    """What a worker does before its first request (fascia.wsgi.warm_worker): every query is compiled
    for first() and for all(), the application's select_for_update queries among them, and PostgreSQL
    plans each without running it (EXPLAIN): no row is read, no lock taken."""
    gc.collect()  # queries other tests made and dropped, some of them built to be refused
    patient = PatientFactory(organization=organization)
    builds = []
    query = PreparedQuery(lambda pk: builds.append(pk) or Patient.objects.filter(pk=pk))
    with CaptureQueriesContext(connection) as queries:
        warm_up()
    assert len(builds) == 2
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    if connection.vendor == "postgresql":
        assert statements and all(sql.startswith(("EXPLAIN SELECT ", "EXPLAIN (SELECT ")) for sql in statements)
        assert any('FROM "patients_patient"' in sql and sql.endswith("LIMIT 1") for sql in statements)
        assert any('FROM "visits_visitnote"' in sql and "FOR UPDATE" in sql for sql in statements)  # LOCKED_NOTE
    else:
        assert statements == []
    assert query.first(patient.pk) == patient and query.all(patient.pk) == [patient]
    assert len(builds) == 2
