"""Seal the ID numbers (and fields marked sensitive) that earlier versions stored in clear, in
every JSON column that holds answers or values, and re-seal payment secrets written as Fernet
tokens: `huiji.sealed.reseal_schema`, the routine `manage.py personal_data_rekey` runs too.
Raw SQL, a batch at a time; nothing to do in the public schema."""

from django.db import connection, migrations


def seal(apps, schema_editor):
    if connection.schema_name == "public":
        return
    from huiji.sealed import forget_sensitive_keys, reseal_schema

    forget_sensitive_keys()
    reseal_schema()


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own (an interrupted run continues)

    dependencies = [
        ("records", "0005_values_sealed"),
        ("applications", "0008_answers_sealed"),
        ("council_forms", "0002_answers_sealed"),
        ("audit", "0003_data_sealed"),
        ("configuration", "0020_submission_decided_events"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
