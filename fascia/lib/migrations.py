"""An operation the migrations share."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, where a table holds years of a clinic's rows and must
    stay writable meanwhile; a plain CREATE INDEX on SQLite, which has no such thing. A migration that
    uses it sets atomic = False: CREATE INDEX CONCURRENTLY cannot run inside a transaction."""

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
