"""Computing the dashboard's figures: one pass of grouped queries over the association, each
grouped by branch as well, summed into one row per branch and one for the whole association.
Run by the refresh task, never by a page (docs/dashboards.md). Every figure is a count or a
sum of fen, so rows add up (a branch administrator of two branches).

What each figure counts, and the list that shows the same members, is in docs/dashboards.md;
`dashboards.selectors` builds the links.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth

from tenant_apps.dashboards.models import ALL

MONTHS = 12  # joins, lapses and revenue: this month and the eleven before
YEARS = 5  # renewal and attrition: this year and the four before
ENDING_DAYS = (30, 60, 90)


def months_back(today: dt.date, count: int = MONTHS) -> list[str]:
    """["2025-12", ..., "2026-11"]: the last `count` months, oldest first, ending with
    `today`'s."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def month_bounds(key: str) -> tuple[dt.date, dt.date]:
    year, month = (int(p) for p in key.split("-"))
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _tree():
    return defaultdict(_tree)


def _add(scopes: dict, branch_id, path: tuple, value: int) -> None:
    """Add `value` at `path` in the whole association's figures and in its branch's."""
    if not value:
        return
    for key in (ALL, str(branch_id)) if branch_id else (ALL,):
        node = scopes[key]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = node.get(path[-1], 0) + int(value)


def _plain(node):
    return {k: _plain(v) for k, v in node.items()} if isinstance(node, dict) else node


def compute(today: dt.date) -> dict[str, dict]:
    """{scope: figures} for the whole association ("all") and each branch with any figure."""
    from tenant_apps.applications.models import Application, ApplicationEvent
    from tenant_apps.applications.models import Status as AppStatus
    from tenant_apps.billing.models import Order, OrderStatus
    from tenant_apps.memberships.models import Membership, MembershipEvent, MembershipPeriod

    scopes: dict = defaultdict(_tree)
    scopes[ALL]  # the whole association has a row even when empty
    months = months_back(today)
    first_month = month_bounds(months[0])[0]
    last_day = month_bounds(months[-1])[1]
    S = Membership.Status

    # Members by type and status, joins, lapses, arrears and validity ending: read from the
    # member directory's rows (tenant_apps/directory), the very rows its list filters, so that
    # each number is the count of its list (same branch, same "in arrears" rule).
    from tenant_apps.directory.models import DirectoryEntry

    entries = DirectoryEntry.objects.all()
    for row in entries.values("member_type_id", "status", b=branch_of("branch_id")) \
            .annotate(n=Count("membership_id")).order_by():
        _add(scopes, row["b"], ("members", str(row["member_type_id"]), row["status"]), row["n"])
    # Joins by the month of 入会时间 (joined_on); lapses (members lapsed now) by the month
    # their validity ended.
    for row in entries.filter(joined_on__range=(first_month, last_day)) \
            .values(m=TruncMonth("joined_on"), b=branch_of("branch_id")) \
            .annotate(n=Count("membership_id")).order_by():
        _add(scopes, row["b"], ("joins", row["m"].strftime("%Y-%m")), row["n"])
    for row in entries.filter(status=S.LAPSED, valid_until__range=(first_month, last_day)) \
            .values(m=TruncMonth("valid_until"), b=branch_of("branch_id")) \
            .annotate(n=Count("membership_id")).order_by():
        _add(scopes, row["b"], ("lapses", row["m"].strftime("%Y-%m")), row["n"])
    # Arrears (the directory's one rule) and memberships in force ending soon.
    for row in entries.filter(in_arrears=True).values(b=branch_of("branch_id")) \
            .annotate(n=Count("membership_id")).order_by():
        _add(scopes, row["b"], ("arrears",), row["n"])
    ending = {f"d{days}": Count("membership_id",
                                filter=Q(valid_until__lte=today + dt.timedelta(days=days)))
              for days in ENDING_DAYS}
    for row in entries.filter(
            status=S.ACTIVE, valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=max(ENDING_DAYS))) \
            .values(b=branch_of("branch_id")).annotate(**ending).order_by():
        for days in ENDING_DAYS:
            _add(scopes, row["b"], ("ending", str(days)), row[f"d{days}"])

    # The join funnel (joining applications only) and where the open ones wait.
    approved = ApplicationEvent.objects.filter(
        application=OuterRef("pk"), action="approved",
        to_status__in=[AppStatus.AWAITING_PAYMENT, AppStatus.PAYMENT_REVIEW,
                       AppStatus.COMPLETED])
    joins = Application.objects.filter(purpose=Application.Purpose.JOIN)
    for row in joins.values(b=branch_of("branch_id")).annotate(
            started=Count("id"),
            submitted=Count("id", filter=Q(submitted_at__isnull=False)),
            approved=Count("id", filter=Q(Exists(approved)) | Q(status=AppStatus.COMPLETED)),
            paid=Count("id", filter=Q(paid_at__isnull=False)),
            member=Count("id", filter=Q(status=AppStatus.COMPLETED))).order_by():
        for stage in ("started", "submitted", "approved", "paid", "member"):
            _add(scopes, row["b"], ("funnel", stage), row[stage])
    stalls = _stalls(joins)
    for b, key, n in stalls:
        _add(scopes, b, ("stalls", key), n)

    # Revenue: confirmed money by month, member type and method.
    money = Order.objects.filter(status=OrderStatus.CONFIRMED)
    order_branch = Coalesce("membership__record__branch_id", "application__branch_id",
                            output_field=IntegerField())
    for row in money.filter(confirmed_at__date__range=(first_month, last_day)) \
            .values(m=TruncMonth("confirmed_at"), b=order_branch) \
            .annotate(fen=Sum("amount_fen"), n=Count("id")).order_by():
        key = row["m"].strftime("%Y-%m")
        _add(scopes, row["b"], ("revenue_month", key), row["fen"])
        _add(scopes, row["b"], ("orders_month", key), row["n"])
    for row in money.values("member_type_id", "method", b=order_branch) \
            .annotate(fen=Sum("amount_fen"), n=Count("id")).order_by():
        _add(scopes, row["b"], ("revenue_type", str(row["member_type_id"])), row["fen"])
        _add(scopes, row["b"], ("revenue_method", row["method"] or "none"), row["fen"])
        _add(scopes, row["b"], ("orders_method", row["method"] or "none"), row["n"])

    # Renewal and attrition by year: memberships with a paid period ending in the year, and
    # of those the ones a later period continued; memberships that lapsed or withdrew.
    first_year = today.year - YEARS + 1
    later = MembershipPeriod.objects.filter(membership=OuterRef("membership_id"),
                                            starts_on__gt=OuterRef("ends_on"))
    for row in MembershipPeriod.objects.filter(ends_on__year__gte=first_year,
                                               ends_on__year__lte=today.year) \
            .values(y=ExtractYear("ends_on"), b=branch_of("membership__record__branch_id")) \
            .annotate(due=Count("membership_id", distinct=True),
                      renewed=Count("membership_id", distinct=True,
                                    filter=Q(Exists(later)))).order_by():
        _add(scopes, row["b"], ("renewal", str(row["y"]), "due"), row["due"])
        _add(scopes, row["b"], ("renewal", str(row["y"]), "renewed"), row["renewed"])
    for row in MembershipEvent.objects.filter(
            to_status__in=[S.LAPSED, S.WITHDRAWN], effective_on__year__gte=first_year,
            effective_on__year__lte=today.year) \
            .values("to_status", y=ExtractYear("effective_on"),
                    b=branch_of("membership__record__branch_id")) \
            .annotate(n=Count("membership_id", distinct=True)).order_by():
        _add(scopes, row["b"], ("attrition", str(row["y"]), row["to_status"]), row["n"])
    return {scope: _plain(figures) for scope, figures in scopes.items()}


def branch_of(path: str):
    from django.db.models import F

    return F(path)


def _stalls(joins) -> list[tuple]:
    """(branch id, where, count) of open joining applications: 填写中 (draft), 待补充
    (returned), 待缴费, 付款确认中, or the name of the review step they wait at (from each
    application's own configuration revision: few revisions, one query for their chains)."""
    from tenant_apps.applications.engine import type_document
    from tenant_apps.applications.models import Status as AppStatus
    from tenant_apps.configuration.models import ConfigurationRevision, MemberType

    out = []
    waiting = list(joins.filter(status=AppStatus.IN_REVIEW).values(
        "revision_id", "member_type_id", "review_position", b=branch_of("branch_id"))
        .annotate(n=Count("id")).order_by())
    documents = dict(ConfigurationRevision.objects.filter(
        pk__in={r["revision_id"] for r in waiting}).values_list("pk", "document"))
    codes = dict(MemberType.objects.values_list("pk", "code"))
    for row in waiting:
        try:
            chain = type_document(documents[row["revision_id"]],
                                  codes[row["member_type_id"]])["review_chain"]
            name = chain[row["review_position"] or 0]["name"]
        except (KeyError, IndexError):
            name = "?"
        out.append((row["b"], f"step:{name}", row["n"]))
    for row in joins.filter(status__in=[AppStatus.DRAFT, AppStatus.RETURNED,
                                        AppStatus.AWAITING_PAYMENT,
                                        AppStatus.PAYMENT_REVIEW]) \
            .values("status", b=branch_of("branch_id")).annotate(n=Count("id")).order_by():
        out.append((row["b"], row["status"], row["n"]))
    return out
