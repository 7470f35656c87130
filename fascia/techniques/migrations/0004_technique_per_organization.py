"""Each organization gets its own technique catalog (issue 23): one clinic's admin can no longer change the tags,
and so the screening, of another.

The first organization keeps the existing rows; every other one gets its own copy of each, and its plans and
notes are moved to its copies. A signed note's technique row keeps the id its seal hashed (former_technique_id),
so every seal still verifies."""

import django.db.models.deletion
from django.db import migrations, models

COPIED = ("code", "name", "description", "cpt_code", "timed", "tags", "indications", "required_specialty", "is_active")


def per_organization(apps, schema_editor):
    Organization = apps.get_model("core", "Organization")
    Technique = apps.get_model("techniques", "Technique")
    PlannedTechnique = apps.get_model("plans", "PlannedTechnique")
    VisitTechnique = apps.get_model("visits", "VisitTechnique")
    shared = list(Technique.objects.filter(organization=None).order_by("pk"))
    organizations = list(Organization.objects.order_by("pk"))
    if not organizations:  # no clinic yet: the first one gets Fascia's catalog when it is created
        Technique.objects.filter(organization=None).delete()
        return
    first, *others = organizations
    Technique.objects.filter(organization=None).update(organization=first)
    for organization in others:
        for technique in shared:
            copy = Technique.objects.create(organization=organization, **{f: getattr(technique, f) for f in COPIED})
            PlannedTechnique.objects.filter(technique_id=technique.pk, plan__patient__organization=organization).update(
                technique=copy
            )
            rows = VisitTechnique.objects.filter(technique_id=technique.pk, note__patient__organization=organization)
            rows.filter(note__status="signed").update(technique=copy, former_technique_id=technique.pk)
            rows.update(technique=copy)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        ('plans', '0004_planned_pressure'),
        ('techniques', '0003_technique_required_specialty'),
        ('visits', '0006_former_technique_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='technique',
            name='organization',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='techniques', to='core.organization'),
        ),
        migrations.AlterField(
            model_name='technique',
            name='code',
            field=models.SlugField(max_length=40),
        ),
        migrations.RunPython(per_organization, migrations.RunPython.noop),
    ]
