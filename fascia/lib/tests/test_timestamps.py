from datetime import UTC, datetime

from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from fascia.core.models import Organization
from fascia.lib.timestamps import TIMESTAMPTZ
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory

MOMENTS = [
    datetime(2026, 3, 8, 7, 30, 15, 123456, tzinfo=UTC),  # the night clocks go forward in the US
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
]


def test_moments_read_back_as_they_were_written_in_utc(organization: Organization) -> None:
    patient = PatientFactory(organization=organization)
    for moment in MOMENTS:
        Patient.objects.filter(pk=patient.pk).update(created_at=moment)
        read = Patient.objects.values_list("created_at", flat=True).get(pk=patient.pk)
        assert read == moment and read.utcoffset().total_seconds() == 0


def test_postgresql_timestamps_are_parsed_in_c_into_what_djangos_loader_gives(db: None) -> None:
    """On PostgreSQL, the loader Django registered, with psycopg's compiled parser in it: the same datetimes
    as Django's own (pure Python) loader for the text PostgreSQL sends. SQLite sends text Django parses."""
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return
    connection.ensure_connection()
    ours = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    djangos = ours.__mro__[1]
    assert issubclass(djangos, BaseTzLoader) and ours.timezone == djangos.timezone == connection.timezone
    loader = ours(TIMESTAMPTZ, connection.connection)
    assert type(loader.parse.__self__).__module__.startswith("psycopg_binary")
    with connection.cursor() as cursor:
        for moment in MOMENTS:
            cursor.execute("SELECT %s::timestamptz::text", [moment])
            text = cursor.fetchone()[0].encode()
            assert loader.load(text) == djangos(TIMESTAMPTZ, connection.connection).load(text) == moment
