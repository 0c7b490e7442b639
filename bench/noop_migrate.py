"""Time of a no-op `migrate_schemas` (everything current) at 1, 10 and 50 associations.

    .venv/bin/python bench/noop_migrate.py [--counts 1,10,50]

Prints the project's command (which skips current schemas after one catalogue query) beside
django-tenants' stock command (which runs Django's migrate in every schema).
"""

from __future__ import annotations

import argparse
import io
import time

from _db import drop_database, setup_django

DB = "huiji_bench_migrate"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="1,10,50")
    counts = [int(c) for c in parser.parse_args().counts.split(",")]
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    from tenants.services import association_create, platform_ensure_public

    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        made = 0
        print("no-op migrate_schemas (tenant schemas only, all current)")
        print(f"  {'associations':>12}  {'huiji total':>12}  {'per tenant':>10}  "
              f"{'stock total':>12}  {'per tenant':>10}")
        for count in counts:
            while made < count:
                association_create(acting_user=None, name=f"A{made}", slug=f"a{made}",
                                   admin_name="Admin", admin_email=f"x@a{made}.test",
                                   admin_password="Bench-passw0rd-2026")
                made += 1
            connection.set_schema_to_public()
            started = time.perf_counter()
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0,
                         stdout=io.StringIO())
            ours = time.perf_counter() - started
            connection.set_schema_to_public()
            started = time.perf_counter()
            call_command(MigrateSchemasCommand(), tenant=True, interactive=False,
                         verbosity=0, stdout=io.StringIO())
            stock = time.perf_counter() - started
            connection.set_schema_to_public()
            print(f"  {count:>12}  {ours:>11.3f}s  {ours / count * 1000:>8.1f}ms  "
                  f"{stock:>11.3f}s  {stock / count * 1000:>8.1f}ms")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
