"""No double booking, enforced by PostgreSQL itself.

On PostgreSQL an exclusion constraint refuses two holding appointments of one practitioner (or one
room) whose times overlap, even when two people book at the same instant. SQLite has no such
constraint; there the booking service checks and inserts inside one write-locked transaction.
"""

from django.db import migrations

HOLDING = "('booked', 'arrived', 'fulfilled')"


def add_exclusions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_practitioner_no_overlap "
        "EXCLUDE USING gist (practitioner_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
        f"WHERE (status IN {HOLDING})"
    )
    schema_editor.execute(
        "ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_room_no_overlap "
        "EXCLUDE USING gist (room_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
        f"WHERE (room_id IS NOT NULL AND status IN {HOLDING})"
    )


def drop_exclusions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("appointment_practitioner_no_overlap", "appointment_room_no_overlap"):
        schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_exclusions, drop_exclusions)]
