"""`migrate_schemas` (and `migrate`): django-tenants' command, with two changes.

1. The template schema that new associations are cloned from is migrated on every run, so a
   clone always has every migration of the code that made it.
2. After the public schema, the platform's own row and base domain are ensured.
3. Association schemas that already have every migration are skipped after one catalogue
   query, instead of running Django's migrate in each (see tenants/schemas.py).

Any option that targets something specific (a schema, an app, a migration, --fake, --plan...)
is passed to django-tenants' command unchanged.
"""

from django.conf import settings
from django.db import connection
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_public_schema_name

from tenants.models import Association
from tenants.schemas import quote, schemas_needing_migration
from tenants.services import platform_ensure_public

_PASS_THROUGH = ("schema_name", "app_label", "migration_name", "fake", "fake_initial", "plan",
                 "prune", "check_unapplied")


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        if any(options.get(name) for name in _PASS_THROUGH):
            return super().handle(*args, **options)
        shared_only = options.get("shared") and not options.get("tenant")
        tenant_only = options.get("tenant") and not options.get("shared")
        if not tenant_only:
            super().handle(*args, **{**options, "shared": True, "tenant": False})
            # The base domain serves the platform's site from the first deploy on.
            platform_ensure_public()
        if shared_only:
            return
        template = settings.TENANT_BASE_SCHEMA
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(template)}")
        schemas = [template, *Association.objects.exclude(schema_name=get_public_schema_name())
                   .order_by("schema_name").values_list("schema_name", flat=True)]
        pending = schemas_needing_migration(schemas)
        verbosity = int(options.get("verbosity", 1))
        if verbosity >= 1:
            self.stdout.write(
                f"{len(schemas) - len(pending)} of {len(schemas)} tenant schemas (template "
                f"included) are current; migrating {len(pending)}.")
        if pending:
            tenant_options = {**options, "shared": False, "tenant": True}
            SyncCommon.handle(self, *args, **tenant_options)  # sets self.executor, self.options
            executor = get_executor(codename=self.executor)(self.args, self.options)
            executor.run_migrations(tenants=pending)
