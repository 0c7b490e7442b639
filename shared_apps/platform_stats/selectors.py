"""Reads of the summary table for the console page: a page of associations with their rows,
the totals and the charts. A fixed number of queries on public tables, however many
associations there are (asserted in tests/test_console_page.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Func, IntegerField, Min, Q, Sum
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from shared_apps.platform_stats import attention
from shared_apps.platform_stats.models import AssociationDay, AssociationSummary
from tenants.models import Association

PER_PAGE = 50
CHART_DAYS = 30

# ?sort= keys and what they order by; "-key" sorts descending. Figures come from the summary
# row (an association not refreshed yet has none: it sorts last).
SORTS = {
    "name": "name", "slug": "slug", "status": "status", "created": "created_at",
    "members": "summary__members_active", "new": "summary__members_new_30d",
    "open": "summary__applications_open", "stalled": "summary__applications_stalled",
    "month": "summary__revenue_month_fen", "year": "summary__revenue_year_fen",
    "rate": "summary__payment_success_permille", "outbox": "summary__outbox_pending",
    "failed": "summary__outbox_failed_7d", "errors": "summary__errors_24h",
    "storage": "storage", "activity": "summary__last_staff_activity_at",
    "attention": "attention_n",
}
DEFAULT_SORT = "-attention"


def _ordering(sort: str):
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    field = F(SORTS[key])
    primary = field.desc(nulls_last=True) if sort.startswith("-") else \
        field.asc(nulls_last=True)
    return sort, [primary, "name", "pk"]


def association_page(*, query: str = "", sort: str = "", page: int | str = 1) \
        -> tuple[Page, str]:
    """The page of associations to show (name or slug containing `query`), each with its
    `summary` (or None) and domains, and the sort actually applied."""
    rows = (Association.objects.exclude(schema_name=get_public_schema_name())
            .select_related("summary").prefetch_related("domains")
            .annotate(attention_n=Func(F("summary__attention"), function="cardinality",
                                       output_field=IntegerField()),
                      storage=F("summary__storage_files_bytes")
                      + F("summary__storage_db_bytes")))
    query = query.strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(slug__icontains=query.lower()))
    sort, ordering = _ordering(sort)
    return Paginator(rows.order_by(*ordering), PER_PAGE).get_page(page), sort


@dataclass(frozen=True)
class Totals:
    associations: int
    active: int
    suspended: int
    members_active: int
    members_new_30d: int
    applications_open: int
    applications_stalled: int
    revenue_month_fen: int
    revenue_year_fen: int
    outbox_pending: int
    outbox_failed_7d: int
    errors_24h: int
    storage_bytes: int
    needing_attention: int
    refreshed_at: dt.datetime | None
    by_reason: dict


def totals() -> Totals:
    associations = Association.objects.exclude(schema_name=get_public_schema_name()) \
        .aggregate(n=Count("pk"),
                   active=Count("pk", filter=Q(status=Association.Status.ACTIVE)),
                   suspended=Count("pk", filter=Q(status=Association.Status.SUSPENDED)))
    s = AssociationSummary.objects.aggregate(
        members_active=Sum("members_active"), members_new_30d=Sum("members_new_30d"),
        applications_open=Sum("applications_open"),
        applications_stalled=Sum("applications_stalled"),
        revenue_month_fen=Sum("revenue_month_fen"), revenue_year_fen=Sum("revenue_year_fen"),
        outbox_pending=Sum("outbox_pending"), outbox_failed_7d=Sum("outbox_failed_7d"),
        errors_24h=Sum("errors_24h"),
        storage_bytes=Sum(F("storage_files_bytes") + F("storage_db_bytes")),
        needing_attention=Count("pk", filter=~Q(attention=[])),
        refreshed_at=Min("refreshed_at"),
        **{f"r_{code}": Count("pk", filter=Q(attention__contains=[code]))
           for code in attention.REASONS})
    by_reason = {code: s.pop(f"r_{code}") for code in attention.REASONS}
    refreshed_at = s.pop("refreshed_at")
    return Totals(associations=associations["n"], active=associations["active"],
                  suspended=associations["suspended"],
                  **{k: v or 0 for k, v in s.items()}, refreshed_at=refreshed_at,
                  by_reason=by_reason)


def daily_totals(*, today: dt.date | None = None, days: int = CHART_DAYS) -> list[dict]:
    """Every association added up per day, the last `days` days (days with no refresh
    are left out)."""
    today = today or timezone.localdate()
    return list(AssociationDay.objects.filter(day__gt=today - dt.timedelta(days=days))
                .values("day").annotate(members=Sum("members_active"),
                                        revenue_fen=Sum("revenue_fen"),
                                        outbox_failed=Sum("outbox_failed"),
                                        errors=Sum("errors"))
                .order_by("day"))
