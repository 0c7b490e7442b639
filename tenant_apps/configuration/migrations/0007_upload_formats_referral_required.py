from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('configuration', '0006_merge_level_changes_and_messages'),
    ]

    operations = [
        migrations.AddField(
            model_name='uploadrequirement',
            name='formats',
            field=ArrayField(base_field=models.CharField(max_length=10), blank=True,
                             default=list, size=None, verbose_name='accepted formats'),
        ),
        migrations.AddField(
            model_name='associationsettings',
            name='referral_required',
            field=models.BooleanField(default=False, verbose_name='referral channel required'),
        ),
    ]
