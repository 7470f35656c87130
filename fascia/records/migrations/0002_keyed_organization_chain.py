"""Seals keyed with the records key and chained per organization (issue 25): each old seal is checked as
the old code did (plain SHA-256, one chain per patient) and sealed again with the key, in one chain per
organization in the order the seals were made (fascia.records.chain.rekey); then the seals table is made
append-only on PostgreSQL."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from fascia.core.append_only import append_only


def rekey(apps, schema_editor):
    from fascia.records import chain  # today's code: the records' content is read as verify reads it

    Seal = apps.get_model("records", "Seal")
    Patient = apps.get_model("patients", "Patient")
    Seal.objects.update(
        organization_id=Subquery(Patient.objects.filter(pk=OuterRef("patient_id")).values("organization_id")[:1])
    )
    untrusted = chain.rekey()
    if schema_editor.connection.vendor == "postgresql":  # the rows' foreign-key checks now, before ALTER TABLE
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if untrusted:
        print(f"\n  {untrusted} seal(s) did not match their records before the upgrade: verify_records reports them.")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("patients", "0002_search_text_trigram_index"),
        ("records", "0001_initial"),
        # The records read to re-seal them must be at today's shape.
        ("evaluations", "0004_red_flag_clearance"),
        ("visits", "0006_former_technique_id"),
        ("techniques", "0005_technique_organization_required"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="seal", name="seal_sequence_unique"),
        migrations.AddField(
            model_name="seal",
            name="organization",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.organization"
            ),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="seal",
            name="organization",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.organization"),
        ),
        migrations.AlterField(
            model_name="seal",
            name="sequence",
            field=models.PositiveIntegerField(help_text="The seal's place in its organization's chain, from 1"),
        ),
        migrations.AlterModelOptions(name="seal", options={"ordering": ["organization", "sequence"]}),
        migrations.AddConstraint(
            model_name="seal",
            constraint=models.UniqueConstraint(
                fields=("organization", "sequence"), name="seal_organization_sequence_unique"
            ),
        ),
        append_only("records_seal"),
    ]
