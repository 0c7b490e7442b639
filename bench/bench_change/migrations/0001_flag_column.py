from django.db import migrations


class Migration(migrations.Migration):
    """A new column with a default: metadata only on PostgreSQL 11+, but a lock on the table."""

    dependencies = [("accounts", "__latest__")]
    operations = [migrations.RunSQL(
        "ALTER TABLE accounts_user ADD COLUMN bench_flag boolean NOT NULL DEFAULT false",
        "ALTER TABLE accounts_user DROP COLUMN bench_flag")]
