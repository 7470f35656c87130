from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0005_local_findings'),
    ]

    operations = [
        migrations.AddField(
            model_name='visittechnique',
            name='former_technique_id',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
