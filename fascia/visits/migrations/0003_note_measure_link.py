import django.db.models.deletion
from django.db import migrations, models


def fill_links(apps, schema_editor):
    """Link every measure re-taken at a visit, from the column measures is about to lose: one INSERT … SELECT,
    since a ten-year clinic holds hundreds of thousands of results."""
    link = apps.get_model("visits", "NoteMeasure")
    result = apps.get_model("measures", "MeasureResult")
    q = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {q(link._meta.db_table)} (note_id, result_id) "
        f"SELECT visit_note_id, id FROM {q(result._meta.db_table)} WHERE visit_note_id IS NOT NULL ORDER BY id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0002_draft_and_active_indexes"),
        ("measures", "0004_measureresult_visit_note"),
    ]

    operations = [
        migrations.CreateModel(
            name="NoteMeasure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "note",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="visits.visitnote"
                    ),
                ),
                (
                    "result",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="note_link",
                        to="measures.measureresult",
                    ),
                ),
            ],
        ),
        migrations.RunPython(fill_links, migrations.RunPython.noop),
    ]
