import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('techniques', '0004_technique_per_organization'),
    ]

    operations = [
        migrations.AlterField(
            model_name='technique',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='techniques', to='core.organization'),
        ),
        migrations.AddConstraint(
            model_name='technique',
            constraint=models.UniqueConstraint(fields=('organization', 'code'), name='technique_code_per_organization', violation_error_message='The catalog already has a technique with this code.'),
        ),
    ]
