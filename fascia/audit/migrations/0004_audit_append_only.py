from django.db import migrations

from fascia.core.append_only import append_only


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_action_without_choices"),
    ]

    operations = [
        append_only("audit_auditevent"),
    ]
