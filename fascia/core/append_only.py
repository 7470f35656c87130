"""Tables whose rows are only ever added (the audit trail, the seals of signed records): on PostgreSQL a
trigger refuses UPDATE and DELETE of their rows, whoever asks, so rewriting them takes the table owner
disabling the trigger rather than a plain statement (issue 25). Created by the owning app's migration;
SQLite (one clinic, embedded) relies on the application, which never updates or deletes those rows.

TRUNCATE fires no row trigger: the test suite's flush between transactional tests still works."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def append_only(table: str) -> migrations.RunPython:
    """The migration operation that makes `table` append-only on PostgreSQL (reversible)."""
    name = f"{table}_append_only"

    def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'Rows of {table} are only ever added: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END
            $$;
            CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
            """,
            params=None,  # no placeholders: the % is the message's
        )

    def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();")

    return migrations.RunPython(create, drop)
