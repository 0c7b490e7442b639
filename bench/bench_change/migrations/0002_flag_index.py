from django.db import migrations


class Migration(migrations.Migration):
    """A new index built concurrently (writes go on meanwhile), so outside a transaction."""

    atomic = False
    dependencies = [("bench_change", "0001_flag_column")]
    operations = [migrations.RunSQL(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_user_bench_flag "
        "ON accounts_user (bench_flag, date_joined)",
        "DROP INDEX CONCURRENTLY IF EXISTS accounts_user_bench_flag")]
