"""Refreshing the summary table: one association at a time, each in its own schema (its
figures) and then in the public schema (its row). Nothing here queries more than one schema
at once, so the cost of a refresh grows with the number of associations and never the size of
one query (docs/operations.md, "Operator console")."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from shared_apps.platform_stats import attention
from shared_apps.platform_stats.errors import errors_last_day
from shared_apps.platform_stats.figures import compute
from shared_apps.platform_stats.models import AssociationDay, AssociationSummary
from tenants.databases import association_context
from tenants.models import Association

TREND_DAYS = 30
HISTORY_DAYS = 90  # daily rows kept per association


def summary_refresh(association: Association, *, now: dt.datetime | None = None) \
        -> AssociationSummary:
    now = now or timezone.now()
    with association_context(association):  # its database and schema (tenants/databases.py)
        figures = compute(now)
    errors = errors_last_day(association.schema_name, now)
    today = timezone.localdate(now)
    with schema_context(get_public_schema_name()), transaction.atomic():
        # A click and the periodic task on the same association take turns.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('platform_stats'), %s)",
                           [association.pk])
        AssociationDay.objects.update_or_create(
            association=association, day=today,
            defaults={"members_active": figures.members_active,
                      "revenue_fen": figures.revenue_today_fen,
                      "outbox_failed": figures.outbox_failed_today, "errors": errors})
        AssociationDay.objects.filter(
            association=association, day__lt=today - dt.timedelta(days=HISTORY_DAYS)).delete()
        trend = list(AssociationDay.objects.filter(
            association=association, day__gt=today - dt.timedelta(days=TREND_DAYS))
            .order_by("day").values_list("members_active", flat=True))
        settled = figures.payments_ok_30d + figures.payments_failed_30d
        summary = AssociationSummary.objects.filter(association=association).first() \
            or AssociationSummary(association=association)
        for field in ("members_active", "members_new_30d", "applications_open",
                      "applications_stalled", "revenue_month_fen", "revenue_year_fen",
                      "payments_ok_30d", "payments_failed_30d", "outbox_pending",
                      "outbox_stuck", "outbox_failed_7d", "storage_files_bytes",
                      "storage_db_bytes", "last_staff_activity_at"):
            setattr(summary, field, getattr(figures, field))
        summary.payment_success_permille = \
            round(1000 * figures.payments_ok_30d / settled) if settled else None
        summary.errors_24h = errors
        summary.trend_members = trend
        summary.refreshed_at = now
        summary.attention = attention.reasons(summary, now=now,
                                              created_at=association.created_at)
        summary.save()
    return summary


def associations_to_refresh() -> list[Association]:
    return list(Association.objects.exclude(schema_name=get_public_schema_name())
                .order_by("pk"))


def summaries_refresh(*, slugs: list[str] | None = None) -> tuple[int, float]:
    """Refresh every association (or those of `slugs`) in this process, one after another.
    Returns (count, seconds). The management command and the benchmark use it; beat queues
    one task per association instead (tasks.summaries_refresh_all)."""
    started = time.perf_counter()
    rows = associations_to_refresh()
    if slugs is not None:
        rows = [a for a in rows if a.slug in set(slugs)]
    for association in rows:
        summary_refresh(association)
    return len(rows), time.perf_counter() - started
