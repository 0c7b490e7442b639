"""Issue, re-issue and revoke the certificates of every member of one or every association
(after a bulk load such as imported members): `manage.py certificates_refresh [--schema cmes]`.
Idempotent: a second run issues nothing."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django_tenants.utils import get_tenant_model

from tenants.databases import association_context


class Command(BaseCommand):
    help = "Bring every membership's certificates in line with the membership."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this association's schema")

    def handle(self, *args, schema=None, **options):
        from tenant_apps.certificates.services import certificates_refresh_all

        tenants = get_tenant_model().objects.exclude(schema_name="public")
        if schema:
            tenants = tenants.filter(schema_name=schema)
        for tenant in tenants:
            started = time.monotonic()
            with association_context(tenant):  # its database and schema
                issued = certificates_refresh_all()
            self.stdout.write(f"{tenant.schema_name}: {issued} certificates issued in "
                              f"{time.monotonic() - started:.1f} s")
