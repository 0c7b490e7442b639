"""The operator console at many associations: provisions N associations by cloning the
template schema, fills the summary table (one association at a time, as the periodic task
does), and times the console page (/console/) through the test client.

    .venv/bin/python bench/console.py [--associations 1000] [--runs 40] [--keep] [--resume]

Prints the provisioning time, the refresh time (total and per association), the most locks
one refresh held at once, and p50/p95 and queries of the page: first page, a sorted later
page, a search. The database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

from _db import drop_database, setup_django, setup_django_again

# bench/requests.py would shadow the requests library (DRF's test module imports it)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

DB = "huiji_bench_console"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--associations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    if args.resume:
        setup_django_again(DB)
    else:
        setup_django(DB)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shared_apps.platform_stats.services import summaries_refresh
    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenants.models import Association, Domain
    from tenants.schemas import clone_schema, drop_schema, schema_exists
    from tenants.services import platform_ensure_public, template_ensure_current

    try:
        if not args.resume:
            call_command("migrate_schemas", interactive=False, verbosity=0)
            platform_ensure_public()
            template_ensure_current()
            user_create(acting_user=None, name="Operator", username="operator",
                        password="Bench-passw0rd-2026", roles=[Role.OPERATOR])
        operator = User.objects.get(username="operator")
        first = Association.objects.filter(slug__startswith="b").count()
        if schema_exists(f"b{first:05d}"):  # a schema left by a run killed mid-transaction
            drop_schema(f"b{first:05d}")
        started = time.perf_counter()
        for i in range(first, args.associations):
            slug = f"b{i:05d}"
            # What association_create does, without the first administrator's argon2 hash
            # and profile: a row, a domain, a clone of the template, in one transaction.
            with transaction.atomic():
                association = Association.objects.create(schema_name=slug, slug=slug,
                                                         name=f"测试协会{i:05d}")
                Domain.objects.create(tenant=association, domain=f"{slug}.localhost",
                                      is_primary=True)
                clone_schema(settings.TENANT_BASE_SCHEMA, slug)
            if (i + 1) % 100 == 0:
                print(f"  provisioned {i + 1} ({time.perf_counter() - started:.0f} s)",
                      flush=True)
        provision = time.perf_counter() - started
        made = max(args.associations - first, 1)
        print(f"{made} associations provisioned by cloning in {provision:.0f} s "
              f"({provision / made * 1000:.0f} ms each; {args.associations} in all)")

        # The most locks any backend holds while the refresh runs (sampled every 20 ms from
        # a second connection): a refresh visits one schema at a time.
        peak = [0]
        done = threading.Event()

        def sample():
            import psycopg2

            s = connection.settings_dict
            other = psycopg2.connect(dbname=s["NAME"], user=s["USER"], host=s["HOST"],
                                     port=s["PORT"] or None, password=s["PASSWORD"] or "")
            other.autocommit = True
            with other.cursor() as cursor:
                while not done.is_set():
                    # this database's backends only: the server may be shared
                    cursor.execute(
                        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid "
                        "WHERE a.datname = current_database() AND l.pid <> pg_backend_pid() "
                        "GROUP BY l.pid) x")
                    peak[0] = max(peak[0], cursor.fetchone()[0])
                    time.sleep(0.02)
            other.close()

        sampler = threading.Thread(target=sample)
        sampler.start()
        count, seconds = summaries_refresh()
        done.set()
        sampler.join()
        print(f"summary refresh: {count} associations in {seconds:.1f} s "
              f"({seconds / count * 1000:.1f} ms each); most locks held by one backend "
              f"during it: {peak[0]}")

        client = Client(HTTP_HOST="localhost")
        client.force_login(operator)
        pages = {"first page (attention first)": "/console/",
                 "sorted by members, page 10": "/console/?sort=-members&page=10",
                 "search by slug": "/console/?q=b00123"}
        print(f"console page at {args.associations} associations ({args.runs} runs each)")
        for label, url in pages.items():
            assert client.get(url).status_code == 200  # warm
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t)
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            print(f"  {label:30s} p50 {statistics.median(times) * 1000:6.1f} ms  "
                  f"p95 {percentile(times, 95) * 1000:6.1f} ms  queries {len(queries)}")
    finally:
        if not args.keep:
            connection.close()
            drop_database(DB)


if __name__ == "__main__":
    main()
