"""Honest posting (issue 24): a remittance per payment, named by payer and trace number instead of its
file's bytes; claims and postings keep what the payers' adjustments took off; postings can be held.

Existing rows stay correct: each remittance's payer identifier is its payer's name (the only one kept);
a payment already posted twice under the old rule (same payer and trace, another file layout) keeps
its rows, the later ones marked as duplicates so the new constraint holds; unmatched postings become
held ones with their reason; each claim's and posting's CO/PI/OA adjustments are summed from the
adjustments the postings kept.
"""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_bill_per_date_of_service"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProviderAdjustment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "provider",
                    models.CharField(help_text="PLB01, the provider's identifier at the payer", max_length=50),
                ),
                ("fiscal_period", models.DateField(blank=True, null=True)),
                ("reason", models.CharField(max_length=2)),
                ("reference", models.CharField(blank=True, max_length=50)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="remittance",
            name="remittance_file_once",
        ),
        migrations.AddField(
            model_name="claim",
            name="adjusted",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                help_text="What the payers' CO, PI and OA adjustments took off the charge",
                max_digits=10,
            ),
        ),
        migrations.AddField(
            model_name="posting",
            name="adjusted",
            field=models.DecimalField(
                decimal_places=2, default=Decimal("0"), help_text="Its CO, PI and OA adjustments", max_digits=10
            ),
        ),
        migrations.AddField(
            model_name="posting",
            name="hold_reason",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="posting",
            name="remarks",
            field=models.JSONField(blank=True, default=list, help_text="[{where, code, text}] remark codes (RARC)"),
        ),
        migrations.AddField(
            model_name="posting",
            name="state",
            field=models.CharField(
                choices=[
                    ("posted", "Posted"),
                    ("held", "Held for review"),
                    ("reversed", "Posted, then reversed by the payer"),
                ],
                default="posted",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="remittance",
            name="interchange",
            field=models.CharField(blank=True, max_length=9, verbose_name="ISA13 interchange control number"),
        ),
        migrations.AddField(
            model_name="remittance",
            name="payer_identifier",
            field=models.CharField(
                default="", help_text="TRN03, the payer's identifier (else its N1*PR id or name)", max_length=80
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="remittance",
            name="transaction",
            field=models.CharField(blank=True, max_length=9, verbose_name="ST02 transaction control number"),
        ),
        migrations.AlterField(
            model_name="posting",
            name="patient_responsibility",
            field=models.DecimalField(
                decimal_places=2, help_text="Its PR adjustments: deductible, coinsurance, copay", max_digits=10
            ),
        ),
        migrations.AlterField(
            model_name="remittance",
            name="trace_number",
            field=models.CharField(max_length=50, verbose_name="check or EFT trace number"),
        ),
        migrations.AddField(
            model_name="provideradjustment",
            name="remittance",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="provider_adjustments",
                to="billing.remittance",
            ),
        ),
    ]
