"""On PostgreSQL, index patients.search_text with trigrams so `LIKE '%fragment%'` uses an index.

SQLite has no such index; at a single practice's size a scan of one short column is fast enough.
Creating the pg_trgm extension needs a role allowed to create extensions (see README).
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS patient_search_text_trgm "
        "ON patients_patient USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS patient_search_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
