from django.db import migrations, models


class Migration(migrations.Migration):
    """`note.measures` through the link, once measures' own `measures` reverse name is gone."""

    dependencies = [
        ("visits", "0003_note_measure_link"),
        ("measures", "0005_remove_record_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitnote",
            name="measures",
            field=models.ManyToManyField(
                related_name="visit_notes", through="visits.NoteMeasure", to="measures.measureresult"
            ),
        ),
    ]
