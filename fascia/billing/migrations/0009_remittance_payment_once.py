"""A payment posts once: payer and trace number are unique per clinic; the file digest goes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_fill_honest_posting")]

    operations = [
        migrations.RemoveField(
            model_name="remittance",
            name="digest",
        ),
        migrations.AddConstraint(
            model_name="remittance",
            constraint=models.UniqueConstraint(
                fields=("organization", "payer_identifier", "trace_number"), name="remittance_payment_once"
            ),
        ),
    ]
