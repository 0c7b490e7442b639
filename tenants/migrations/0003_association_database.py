from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_association_page")]

    operations = [
        migrations.AddField(
            model_name="association",
            name="database",
            field=models.CharField(db_index=True, default="default", max_length=63,
                                   verbose_name="database"),
        ),
    ]
