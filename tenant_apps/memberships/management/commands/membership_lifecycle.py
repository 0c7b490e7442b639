"""`manage.py membership_lifecycle [--today YYYY-MM-DD] [--association SLUG]`: the nightly
lifecycle job by hand (operators catching up, tests moving time). Without --association it
runs in every active association, each in its own transaction."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from tenants.databases import association_context


class Command(BaseCommand):
    help = "Move memberships whose dates say so, and send the reminders due (once)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run as, YYYY-MM-DD (default: today)")
        parser.add_argument("--association", help="the association's slug (default: all)")

    def handle(self, *args, today=None, association=None, **options):
        from tenant_apps.memberships.lifecycle import lifecycle_run
        from tenants.models import Association

        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD, not {today!r}") from exc
        rows = Association.objects.filter(status=Association.Status.ACTIVE).exclude(
            schema_name=get_public_schema_name())
        if association:
            rows = rows.filter(slug=association)
            if not rows.exists():
                raise CommandError(f"no active association {association!r}")
        for found in rows.order_by("slug"):
            with association_context(found):  # its database and schema
                done = lifecycle_run(today=day)
                # the dashboard's figures as of the same day (docs/dashboards.md)
                from tenant_apps.dashboards.services import dashboard_refresh

                dashboard_refresh(today=day)
            figures = ", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "nothing"
            self.stdout.write(f"{found.slug}: {figures}")
