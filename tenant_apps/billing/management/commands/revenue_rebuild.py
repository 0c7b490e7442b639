"""`manage.py revenue_rebuild [--association SLUG]`: the revenue summary (billing.RevenueDay)
again from the confirmed orders, in every active association or one. Orders keep it current
as they are confirmed and refunded; this is for after a restore, or to check it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from tenants.databases import association_context


class Command(BaseCommand):
    help = "Rebuild the revenue summary from the confirmed orders."

    def add_arguments(self, parser):
        parser.add_argument("--association", help="the association's slug (default: all)")

    def handle(self, *args, association=None, **options):
        from tenant_apps.billing.services import revenue_rebuild
        from tenants.models import Association

        rows = Association.objects.filter(status=Association.Status.ACTIVE).exclude(
            schema_name=get_public_schema_name())
        if association:
            rows = rows.filter(slug=association)
            if not rows.exists():
                raise CommandError(f"no active association {association!r}")
        for found in rows.order_by("slug"):
            with association_context(found):  # its database and schema
                count = revenue_rebuild()
            self.stdout.write(f"{found.slug}: {count} summary rows")
