"""Each audit event names its clinic (issue 25: row-level security keys on it). Existing events take their
patient's clinic, else their actor's; the installation's own (a failed sign-in) have none. The append-only
trigger is lifted for this one UPDATE, by the tables' owner, in the migration's transaction."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FILL = """
UPDATE audit_auditevent SET organization_id = COALESCE(
    (SELECT organization_id FROM patients_patient WHERE patients_patient.id = audit_auditevent.patient_id),
    (SELECT organization_id FROM core_user WHERE core_user.id = audit_auditevent.actor_id)
)
"""


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
    schema_editor.execute(FILL)
    if postgresql:
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_audit_append_only"),
        ("core", "0001_initial"),
        ("patients", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.organization",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organization", "-at"], name="audit_organization_at"),
        ),
    ]
