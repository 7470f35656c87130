from django.db import migrations, models

from fascia.lib.migrations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("billing", "0004_unbilled_visits"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="claim",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["submitted", "accepted", "partially-paid", "appealed", "rejected", "denied"])
                ),
                fields=["organization", "created_at", "id"],
                name="claim_queue",
            ),
        ),
    ]
