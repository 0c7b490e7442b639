"""Provisioning time of one association: cloning the template versus running migrations.

    .venv/bin/python bench/provisioning.py [--runs 5]

Both ways are measured in one run on the same database server; prints min/median/max.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _db import drop_database, setup_django

DB = "huiji_bench_provisioning"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection

    from tenants.services import association_create, platform_ensure_public

    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        clone, service, migrate = [], [], []
        from django.conf import settings

        from tenants.schemas import clone_schema

        for i in range(runs):
            started = time.perf_counter()
            clone_schema(settings.TENANT_BASE_SCHEMA, f"bare{i}")
            clone.append(time.perf_counter() - started)

            started = time.perf_counter()
            association_create(acting_user=None, name=f"Clone {i}", slug=f"clone{i}",
                               admin_name="Admin", admin_email=f"a@clone{i}.test",
                               admin_password="Bench-passw0rd-2026")
            service.append(time.perf_counter() - started)

            # The same schema made the usual django-tenants way: CREATE SCHEMA + every
            # migration (what TENANT_CREATION_FAKES_MIGRATIONS=False does on save()).
            schema = f"migrated{i}"
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{schema}"')
            call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
            connection.set_schema_to_public()
            migrate.append(time.perf_counter() - started)
        print(f"provisioning one association ({runs} runs each)")
        for label, times in (
                ("schema by cloning the template", clone),
                ("schema by running every migration", migrate),
                ("whole association_create service", service)):
            print(f"  {label:42s} min {min(times):.3f}s  median "
                  f"{statistics.median(times):.3f}s  max {max(times):.3f}s")
        print("   (the whole service adds the first admin, whose argon2 hash alone is ~0.15 s,")
        print("    the profile and audit rows, all in the clone's transaction)")
        ratio = statistics.median(migrate) / statistics.median(clone)
        print(f"  schema: cloning is {ratio:.1f}x faster than migrating (median)")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
