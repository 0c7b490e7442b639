"""`migrate_schemas` (and `migrate`): django-tenants' command, for many associations on one or
several databases.

1. Every tenant database (settings.TENANT_DATABASES) is migrated: its public schema, then its
   template schema, then the schemas of the associations placed on it. The connection is put
   on each database in turn (tenants/databases.py), so django-tenants and Django's migrate run
   unchanged.
2. After the primary database's public schema, the platform's own row and base domain are
   ensured.
3. The template that new associations are cloned from is migrated on every run (before the
   associations of its database), so a clone always has every migration of the code.
4. Association schemas that already have every migration are skipped after a catalogue
   check, a batch of schemas per query (tenants/schemas.py).
5. The others are migrated by `--workers` processes (default MIGRATION_WORKERS), one schema
   at a time each, with a line of progress per schema. A schema whose migration fails is
   reported with its error and the others carry on; the command then exits non-zero, and a
   rerun migrates only what is still behind (each migration is recorded as it is applied).

Any option that targets something specific (a schema, an app, a migration, --fake, --plan...)
is passed to django-tenants' command unchanged, on the database of the schema named.
"""

from __future__ import annotations

import multiprocessing
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors.base import run_migrations
from django_tenants.utils import get_public_schema_name

from tenants.databases import tenant_databases, use_database
from tenants.models import Association
from tenants.schemas import quote, schemas_needing_migration
from tenants.services import platform_ensure_public

_PASS_THROUGH = ("schema_name", "app_label", "migration_name", "fake", "fake_initial", "plan",
                 "prune", "check_unapplied")

# What the worker processes need and cannot be sent to them (the options hold output
# streams): set by the parent before it forks.
_JOB_CONTEXT: dict = {}


def migrate_one(job: tuple[str, str]) -> tuple[str, str, str, float]:
    """Migrate one schema on its database; never raises. Returns (database, schema, error or
    "", seconds)."""
    database, schema = job
    args, options = _JOB_CONTEXT["args"], _JOB_CONTEXT["options"]
    started = time.monotonic()
    error = ""
    with use_database(database):
        try:
            run_migrations(args, options, "huiji", schema)
        except Exception as exc:  # reported for this schema; the others carry on
            error = f"{type(exc).__name__}: {str(exc).strip()}"
            if not connection.in_atomic_block:
                connection.close()  # a failed transaction must not reach the next schema
        finally:
            connection.set_schema_to_public()
    return database, schema, error, time.monotonic() - started


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--workers", type=int, default=None,
            help="Association schemas migrated at once, each by a process of its own "
                 "(default: the MIGRATION_WORKERS setting).")

    def handle(self, *args, **options):
        if any(options.get(name) for name in _PASS_THROUGH):
            return self._pass_through(*args, **options)
        shared_only = options.get("shared") and not options.get("tenant")
        tenant_only = options.get("tenant") and not options.get("shared")
        verbosity = int(options.get("verbosity", 1))
        databases = tenant_databases()
        if not tenant_only:
            for database in databases:
                with use_database(database):
                    super().handle(*args, **{**options, "shared": True, "tenant": False,
                                             "database": "default"})
            # The base domain serves the platform's site from the first deploy on.
            platform_ensure_public()
        if shared_only:
            return

        tenant_options = {**options, "shared": False, "tenant": True, "database": "default",
                          "verbosity": max(0, verbosity - 1)}
        SyncCommon.handle(self, *args, **tenant_options)  # sets self.args, self.options
        _JOB_CONTEXT.update(args=self.args, options=self.options)

        placed: dict[str, list[str]] = {database: [] for database in databases}
        for database, schema in (Association.objects.exclude(
                schema_name=get_public_schema_name()).order_by("schema_name")
                .values_list("database", "schema_name")):
            if database not in placed:
                raise CommandError(f"{schema} is on database {database!r}, which is not in "
                                   "HUIJI_TENANT_DATABASES")
            placed[database].append(schema)

        jobs: list[tuple[str, str]] = []
        for database in databases:
            self._template_ensure_current(database, verbosity)
            with use_database(database):
                pending = schemas_needing_migration(placed[database])
            if verbosity >= 1:
                self.stdout.write(
                    f"{database}: {len(placed[database]) - len(pending)} of "
                    f"{len(placed[database])} association schemas are current; migrating "
                    f"{len(pending)}.")
            jobs += [(database, schema) for schema in pending]
        if jobs:
            self._run(jobs, options.get("workers") or settings.MIGRATION_WORKERS, verbosity)

    def _pass_through(self, *args, **options):
        schema = options.get("schema_name")
        database = "default"
        if schema and schema != get_public_schema_name():
            database = (Association.objects.filter(schema_name=schema)
                        .values_list("database", flat=True).first() or "default")
        with use_database(database):
            return super().handle(*args, **{**options, "database": "default"})

    def _template_ensure_current(self, database: str, verbosity: int) -> None:
        """The template first and alone: every association cloned afterwards copies it."""
        template = settings.TENANT_BASE_SCHEMA
        with use_database(database):
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(template)}")
            if not schemas_needing_migration([template]):
                return
        _database, _schema, error, seconds = migrate_one((database, template))
        if error:
            raise CommandError(f"{database}:{template} (the template): {error}")
        if verbosity >= 1:
            self.stdout.write(f"{database}: template {template} migrated in {seconds:.1f} s.")

    def _run(self, jobs: list[tuple[str, str]], workers: int, verbosity: int) -> None:
        total = len(jobs)
        failures: list[tuple[str, str, str]] = []
        started = time.monotonic()
        # Inside a transaction (a test's) the work cannot be shared with other processes: it
        # would not see the transaction, and forking would take its connection along.
        parallel = workers > 1 and total > 1 and not connection.in_atomic_block
        if parallel:
            connections.close_all()  # each worker opens its own; none may share the parent's
            pool = multiprocessing.get_context("fork").Pool(min(workers, total))
            results = pool.imap_unordered(migrate_one, jobs)
        else:
            pool = None
            results = map(migrate_one, jobs)
        try:
            for done, (database, schema, error, seconds) in enumerate(results, 1):
                if error:
                    failures.append((database, schema, error))
                    self.stderr.write(f"[{done}/{total}] {database}:{schema} FAILED after "
                                      f"{seconds:.1f} s: {error}")
                elif verbosity >= 1:
                    self.stdout.write(f"[{done}/{total}] {database}:{schema} migrated in "
                                      f"{seconds:.1f} s")
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            self.stdout.write(f"Migrated {total - len(failures)} of {total} association "
                              f"schemas in {elapsed:.1f} s with {workers if parallel else 1} "
                              f"worker(s).")
        if failures:
            lines = "\n".join(f"  {database}:{schema}: {error}"
                              for database, schema, error in failures)
            raise CommandError(f"{len(failures)} of {total} association schemas failed to "
                               f"migrate (the others are done; run again to retry):\n{lines}")
