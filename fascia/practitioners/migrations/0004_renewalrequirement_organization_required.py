import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('practitioners', '0003_renewalrequirement_organization'),
    ]

    operations = [
        migrations.AlterField(
            model_name='renewalrequirement',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='renewal_requirements', to='core.organization'),
        ),
    ]
