"""Re-seal every association's personal data and payment secrets under the current data key
(the first of HUIJI_DATA_KEYS), and seal what a field newly marked sensitive still holds in
clear. Idempotent (a second run rewrites nothing) and resumable (each batch commits; run it
again after an interruption). Then the directory's blind indexes are refreshed (run it
once after upgrading too: the directory's ID-number search needs them).

    manage.py personal_data_rekey [--schema cmes]

Rotation: put the new key first in HUIJI_DATA_KEYS, keep the old one after it, deploy, run
this; once it reports 0 rewritten everywhere, the old key can be removed
(docs/personal-data.md#key-rotation)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django_tenants.utils import get_tenant_model

from tenants.databases import association_context


class Command(BaseCommand):
    help = "Re-seal personal data and payment secrets under the current data key."

    def add_arguments(self, parser):
        parser.add_argument("--schema", help="only this association's schema")

    def handle(self, *args, schema=None, **options):
        from huiji.crypto import current_key_id
        from huiji.sealed import forget_sensitive_keys, reseal_schema
        from tenant_apps.directory.services import refresh_all

        tenants = get_tenant_model().objects.exclude(schema_name="public").order_by(
            "schema_name")
        if schema:
            tenants = tenants.filter(schema_name=schema)
        self.stdout.write(f"current key: {current_key_id()}")
        total_read = total_written = 0
        for tenant in tenants:
            started = time.monotonic()
            with association_context(tenant):
                forget_sensitive_keys()
                counts = reseal_schema()
                written = sum(w for _r, w in counts.values())
                read = sum(r for r, _w in counts.values())
                # the directory's blind indexes under the current key (also the first run
                # after the upgrade that added them)
                members = refresh_all()
            total_read += read
            total_written += written
            detail = ", ".join(f"{table} {w}/{r}" for table, (r, w) in counts.items() if r)
            self.stdout.write(f"{tenant.schema_name}: {written} of {read} rows re-sealed "
                              f"({detail or 'nothing stored'}), directory {members} members, in "
                              f"{time.monotonic() - started:.1f} s")
        self.stdout.write(f"total: {total_written} of {total_read} rows re-sealed")
