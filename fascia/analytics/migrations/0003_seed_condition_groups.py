"""Every existing organization gets the default condition groups (new ones get them when created: the
post_save receiver in AnalyticsConfig). The table is copied from fascia/analytics/groups.py as it was, so this
migration does not change when the defaults do."""

from django.db import migrations

DEFAULT_GROUPS = (
    ("Low back pain", ("M54.5", "S33.5")),
    ("Neck pain", ("M54.2", "S13.4")),
    ("Sciatica", ("M54.3", "M54.4")),
    ("Shoulder", ("M25.51", "M75")),
    ("Knee", ("M25.56", "M17", "M22")),
    ("Fibromyalgia", ("M79.7",)),
    ("Post-surgical", ("Z47", "Z48", "Z96.6")),
    ("Work and auto injuries", ("V", "Y99.0")),
)


def seed(apps, schema_editor):
    Organization = apps.get_model("core", "Organization")
    ConditionGroup = apps.get_model("analytics", "ConditionGroup")
    for organization in Organization.objects.all():
        have = set(ConditionGroup.objects.filter(organization=organization).values_list("name", flat=True))
        ConditionGroup.objects.bulk_create(
            ConditionGroup(organization=organization, name=name, codes=list(codes), position=position)
            for position, (name, codes) in enumerate(DEFAULT_GROUPS)
            if name not in have
        )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_episodes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
