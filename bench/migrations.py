"""`migrate_schemas` across many associations, with a real schema change.

    .venv/bin/python bench/migrations.py [--count 1000] [--workers 2]

Makes a fresh database with `--count` associations (each a clone of the template, as
onboarding makes them, with its row and domain; no members), then:

1. times a no-op `migrate_schemas --tenant` (every schema current: the batched check only);
2. switches on bench/bench_change, whose two migrations add a column with a default to
   `accounts_user` and build an index on it concurrently, and times `migrate_schemas --tenant`
   applying them to the template and every association with `--workers` processes;
3. times the no-op again, and checks every schema has the column and the index.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from concurrent.futures import ThreadPoolExecutor

os.environ["DJANGO_SETTINGS_MODULE"] = "bench._migration_settings"

from _db import drop_database, setup_django

DB = "huiji_bench_migrations"


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    options = parser.parse_args()
    setup_django(DB)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from tenants.models import Association, Domain
    from tenants.schemas import clone_schema
    from tenants.services import platform_ensure_public

    def migrate(**extra) -> str:
        out = io.StringIO()
        connection.set_schema_to_public()
        call_command("migrate_schemas", tenant=True, interactive=False, stdout=out,
                     stderr=out, **extra)
        connection.set_schema_to_public()
        return out.getvalue()

    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        def provision(n: int) -> None:
            slug = f"m{n:05d}"
            try:
                with transaction.atomic():
                    association = Association.objects.create(schema_name=slug, slug=slug,
                                                             name=f"学会 {n}")
                    Domain.objects.create(domain=f"{slug}.localhost", tenant=association,
                                          is_primary=True)
                    clone_schema(settings.TENANT_BASE_SCHEMA, slug)
            finally:
                connections.close_all()

        started = time.perf_counter()
        # Provisioning is not what is measured: four at once to get there sooner.
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(provision, range(options.count)))
        built = time.perf_counter() - started
        print(f"migrate_schemas across {options.count:,} associations "
              f"(provisioned by cloning in {built:.0f} s)")

        noop = _timed(lambda: migrate(verbosity=0))
        print(f"  no-op (all current, batched check)        {noop:8.2f} s")

        settings.MIGRATION_MODULES = {}  # bench_change's two migrations appear
        output = []
        change = _timed(lambda: output.append(migrate(workers=options.workers)))
        schemas = options.count + 1  # the template too
        print(f"  column with default + concurrent index    {change:8.2f} s "
              f"({change / schemas * 1000:.0f} ms per schema, {options.workers} workers)")
        summary = [line for line in output[0].splitlines() if line.startswith("Migrated")]
        print(f"    {summary[0] if summary else output[0][-300:]}")

        noop_after = _timed(lambda: migrate(verbosity=0))
        print(f"  no-op again                               {noop_after:8.2f} s")

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relname = 'accounts_user' AND a.attname = 'bench_flag'")
            columns = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM pg_indexes "
                           "WHERE indexname = 'accounts_user_bench_flag'")
            indexes = cursor.fetchone()[0]
        # public has no accounts_user column change (bench_change is a tenant app only)
        print(f"  schemas with the column {columns:,}, with the index {indexes:,} "
              f"(expected {schemas:,} each)")
    finally:
        if not options.keep:
            drop_database(DB)


if __name__ == "__main__":
    main()
