"""Rebuild the member directory (search rows and counts) of one or every association:
after a bulk load, or to repair drift. `manage.py directory_rebuild [--schema cmes]`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django_tenants.utils import get_tenant_model

from tenants.databases import association_context


class Command(BaseCommand):
    help = "Rebuild the member directory's search rows and counts from the memberships."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this association's schema")
        parser.add_argument("--membership-only", action="store_true",
                            help="only the columns of the membership row (fast, SQL only)")

    def handle(self, *args, schema=None, membership_only=False, **options):
        from tenant_apps.directory.services import refresh_all

        tenants = get_tenant_model().objects.exclude(schema_name="public")
        if schema:
            tenants = tenants.filter(schema_name=schema)
        for tenant in tenants:
            started = time.monotonic()
            with association_context(tenant):  # its database and schema
                done = refresh_all(record=not membership_only)
            self.stdout.write(f"{tenant.schema_name}: {done} members in "
                              f"{time.monotonic() - started:.1f} s")
