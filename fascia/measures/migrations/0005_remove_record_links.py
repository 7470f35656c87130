from django.db import migrations


class Migration(migrations.Migration):
    """Evaluations and visits now own their links to measures (filled from these columns first)."""

    dependencies = [
        ("evaluations", "0002_evaluation_measure_link"),
        ("measures", "0004_measureresult_visit_note"),
        ("visits", "0003_note_measure_link"),
    ]

    operations = [
        migrations.RemoveField(model_name="measureresult", name="evaluation"),
        migrations.RemoveField(model_name="measureresult", name="visit_note"),
    ]
