from django.db import migrations, models


def fill_with_the_primary_diagnosis(apps, schema_editor):
    """Goals and planned techniques written before the plan said what each treats are taken to treat their
    evaluation's primary diagnosis (rank 1): the condition the plan was written for. Their claim lines then point
    at it alone, the one choice that never lets a line point only at a comorbidity (REFERENCE.md §5a); the
    practitioner names more when the plan is next revised. An evaluation without a diagnosis leaves its items
    blank, and the documentation check says so."""
    Diagnosis = apps.get_model("evaluations", "Diagnosis")
    for model_name in ("Goal", "PlannedTechnique"):
        model = apps.get_model("plans", model_name)
        through = model.diagnoses.through
        item_id = f"{model_name.lower()}_id"
        primary = dict(Diagnosis.objects.filter(rank=1).values_list("evaluation_id", "pk"))
        rows = model.objects.filter(diagnoses__isnull=True).values_list("pk", "plan__evaluation_id")
        batch = [
            through(**{item_id: pk, "diagnosis_id": primary[evaluation_id]})
            for pk, evaluation_id in rows.iterator(chunk_size=2000)
            if evaluation_id in primary
        ]
        through.objects.bulk_create(batch, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0004_red_flag_clearance"),
        ("plans", "0004_planned_pressure"),
    ]

    operations = [
        migrations.AddField(
            model_name="goal",
            name="diagnoses",
            field=models.ManyToManyField(
                blank=True, help_text="The diagnoses it addresses", related_name="+", to="evaluations.diagnosis"
            ),
        ),
        migrations.AddField(
            model_name="plannedtechnique",
            name="diagnoses",
            field=models.ManyToManyField(
                blank=True, help_text="The diagnoses it treats", related_name="+", to="evaluations.diagnosis"
            ),
        ),
        migrations.RunPython(fill_with_the_primary_diagnosis, migrations.RunPython.noop),
    ]
