from django.db import migrations, models


class Migration(migrations.Migration):
    """`evaluation.measures` through the link, once measures' own `measures` reverse name is gone."""

    dependencies = [
        ("evaluations", "0002_evaluation_measure_link"),
        ("measures", "0005_remove_record_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="measures",
            field=models.ManyToManyField(
                related_name="evaluations", through="evaluations.EvaluationMeasure", to="measures.measureresult"
            ),
        ),
    ]
