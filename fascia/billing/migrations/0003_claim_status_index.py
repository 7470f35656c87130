from django.db import migrations, models

from fascia.lib.migrations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("billing", "0002_posting_lists_may_be_empty"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="claim",
            index=models.Index(fields=["organization", "status", "created_at"], name="claim_status"),
        ),
    ]
