"""Refreshing the dashboard's summary rows (models.DashboardSnapshot)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from tenant_apps.dashboards.figures import compute
from tenant_apps.dashboards.models import ALL, DashboardSnapshot


def dashboard_refresh(*, today: dt.date | None = None) -> int:
    """Compute every figure again and replace the summary rows, all at once (a page never
    sees half a refresh). Returns the number of rows written. Run by the task
    (`dashboards.refresh`): nightly, after the lifecycle job, and when staff ask."""
    from tenant_apps.configuration.models import Branch

    today = today or timezone.localdate()
    figures = compute(today)
    now = timezone.now()
    branches = set(Branch.objects.values_list("pk", flat=True))
    rows = [DashboardSnapshot(scope=scope, branch_id=None if scope == ALL else int(scope),
                              as_of=today, figures=data, refreshed_at=now)
            for scope, data in figures.items() if scope == ALL or int(scope) in branches]
    rows += [DashboardSnapshot(scope=str(pk), branch_id=pk, as_of=today, figures={},
                               refreshed_at=now)
             for pk in branches if str(pk) not in figures]
    with transaction.atomic():
        # Two refreshes at once (the night's job and a click) take turns, per association.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || "
                           "'.dashboards.refresh'))")
        DashboardSnapshot.objects.all().delete()
        DashboardSnapshot.objects.bulk_create(rows)
    return len(rows)
