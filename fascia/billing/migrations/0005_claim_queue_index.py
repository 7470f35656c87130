from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, where the claims table holds years of claims and must stay
    writable meanwhile; a plain CREATE INDEX on SQLite, which has no such thing. (A copy of 0003's: a
    migration imports no other module of the project.)"""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("billing", "0004_unbilled_visits"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="claim",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["submitted", "accepted", "partially-paid", "appealed", "rejected", "denied"])
                ),
                fields=["organization", "created_at", "id"],
                name="claim_queue",
            ),
        ),
    ]
