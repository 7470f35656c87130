"""Each organization gets its own CE renewal requirements (issue 23): every organization gets a copy of the
requirements there are, which its admin then edits for its own practitioners."""

import django.db.models.deletion
from django.db import migrations, models

COPIED = ("kind", "state", "issuing_body", "cycle_months", "total_hours", "category_minimums", "source")


def per_organization(apps, schema_editor):
    Organization = apps.get_model("core", "Organization")
    RenewalRequirement = apps.get_model("practitioners", "RenewalRequirement")
    shared = list(RenewalRequirement.objects.filter(organization=None).order_by("pk"))
    RenewalRequirement.objects.bulk_create(
        RenewalRequirement(organization=organization, **{f: getattr(r, f) for f in COPIED})
        for organization in Organization.objects.order_by("pk")
        for r in shared
    )
    RenewalRequirement.objects.filter(organization=None).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('practitioners', '0002_renewalrequirement_courserecord_credential_and_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='renewalrequirement',
            name='organization',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='renewal_requirements', to='core.organization'),
        ),
        migrations.RunPython(per_organization, migrations.RunPython.noop),
    ]
