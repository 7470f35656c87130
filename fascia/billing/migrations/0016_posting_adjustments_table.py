"""A posting's adjustments (835 CAS) become rows of their own (issue 28): the denials by reason are then counted
by the database (a GROUP BY over indexed rows) instead of each posting's list read into Python.

Each posting's list moves, in order, to the new table; its "text" is not kept, as it is the reason code in
words (`Adjustment.text` says it from the code). Going back rebuilds the lists from the rows.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

from fascia.billing.remittance.codes import describe_adjustment

BATCH = 2000


def to_rows(apps, schema_editor):
    Posting = apps.get_model("billing", "Posting")
    Adjustment = apps.get_model("billing", "Adjustment")
    rows = []
    kept_lists = Posting.objects.exclude(adjustments=[]).order_by("id").values_list("id", "adjustments")
    for posting_id, kept in kept_lists.iterator(chunk_size=BATCH):
        rows += [
            Adjustment(
                posting_id=posting_id,
                where=str(a.get("where", "claim"))[:80],
                group=str(a["group"])[:2],
                reason=str(a["reason"])[:5],
                amount=Decimal(str(a["amount"])),
            )
            for a in kept
        ]
        if len(rows) >= BATCH:
            Adjustment.objects.bulk_create(rows)
            rows = []
    Adjustment.objects.bulk_create(rows)


def to_lists(apps, schema_editor):
    Posting = apps.get_model("billing", "Posting")
    Adjustment = apps.get_model("billing", "Adjustment")
    kept: dict[int, list[dict]] = {}
    for a in Adjustment.objects.order_by("id").iterator(chunk_size=BATCH):
        kept.setdefault(a.posting_id, []).append(
            {
                "where": a.where,
                "group": a.group,
                "reason": a.reason,
                "amount": str(a.amount),
                "text": describe_adjustment(a.group, a.reason),
            }
        )
    postings = list(Posting.objects.filter(pk__in=list(kept)).only("pk"))
    for posting in postings:
        posting.adjustments = kept[posting.pk]
    Posting.objects.bulk_update(postings, ["adjustments"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("billing", "0015_add_service_date_and_payment_date_indexes")]

    operations = [
        migrations.CreateModel(
            name="Adjustment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "where",
                    models.CharField(
                        help_text="\"claim\", or the line's procedure and date as the 835 gave them", max_length=80
                    ),
                ),
                ("group", models.CharField(max_length=2)),
                ("reason", models.CharField(max_length=5)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "posting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="billing.posting"
                    ),
                ),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.RunPython(to_rows, to_lists),
        migrations.RemoveField(model_name="posting", name="adjustments"),
        # Named `adjustments` only once the list of that name is gone (a no-op in the database).
        migrations.AlterField(
            model_name="adjustment",
            name="posting",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="adjustments", to="billing.posting"
            ),
        ),
    ]
