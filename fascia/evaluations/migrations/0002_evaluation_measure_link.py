import django.db.models.deletion
from django.db import migrations, models


def fill_links(apps, schema_editor):
    """Link every measure taken at an evaluation, from the column measures is about to lose: one INSERT … SELECT,
    since a ten-year clinic holds hundreds of thousands of results."""
    link = apps.get_model("evaluations", "EvaluationMeasure")
    result = apps.get_model("measures", "MeasureResult")
    q = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {q(link._meta.db_table)} (evaluation_id, result_id) "
        f"SELECT evaluation_id, id FROM {q(result._meta.db_table)} WHERE evaluation_id IS NOT NULL ORDER BY id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0001_initial"),
        ("measures", "0004_measureresult_visit_note"),
    ]

    operations = [
        migrations.CreateModel(
            name="EvaluationMeasure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "evaluation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="evaluations.evaluation"
                    ),
                ),
                (
                    "result",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluation_link",
                        to="measures.measureresult",
                    ),
                ),
            ],
        ),
        migrations.RunPython(fill_links, migrations.RunPython.noop),
    ]
