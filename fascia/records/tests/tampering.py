"""Changing seals and audit rows as someone with the database owner's rights would: on PostgreSQL the
append-only triggers (fascia.core.append_only) refuse a plain UPDATE or DELETE, so the owner turns them off
first. Tests of what `verify` detects use this; the triggers are back on when the block ends."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

TRIGGERS = {"records_seal": "records_seal_append_only", "audit_auditevent": "audit_auditevent_append_only"}


def _switch(state: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # ALTER TABLE waits for no deferred check: run the foreign-key checks pending in the test's transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in TRIGGERS.items():
                cursor.execute(f"ALTER TABLE {table} {state} TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def as_the_database_owner() -> Iterator[None]:
    with transaction.atomic():
        _switch("DISABLE")
        yield
        _switch("ENABLE")
