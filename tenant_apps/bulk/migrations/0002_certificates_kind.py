from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("bulk", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bulkjob",
            name="kind",
            field=models.CharField(choices=[("export", "Export to Excel"),
                                            ("message", "Send a message"),
                                            ("branch", "Add to a branch"),
                                            ("certificates", "Download certificates")],
                                   max_length=12),
        ),
    ]
