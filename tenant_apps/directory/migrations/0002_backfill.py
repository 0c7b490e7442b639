"""Existing memberships get their directory rows (and the counts): the demo's and every
association's members from before the directory existed. Runs the directory's own refresh
(`directory.services.refresh_all`), the one function that fills the rows."""

from django.db import migrations


def fill(apps, schema_editor):
    Membership = apps.get_model("memberships", "Membership")
    if not Membership.objects.exists():
        return
    from tenant_apps.directory.services import refresh_all

    refresh_all()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("records", "0003_change_requests"),
        ("applications", "0005_application_welcome_shown_at"),
        ("accounts", "0004_verificationcode_account_settings"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
