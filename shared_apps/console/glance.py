"""The console's table of every association (/console/): figures from the summary table
(shared_apps.platform_stats), never from the associations' schemas."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from shared_apps.console.permissions import operator_required
from shared_apps.platform_stats import attention
from shared_apps.platform_stats.selectors import association_page, daily_totals, totals
from tenants.services import association_url

SPARK_W, SPARK_H = 80, 20

# The table's sortable columns: (sort key, heading).
COLUMNS = [("name", _l("Association")), ("members", _l("Active members")),
           ("new", _l("New (30 days)")), ("open", _l("Applications in flight")),
           ("stalled", _l("Stalled")), ("month", _l("Revenue this month")),
           ("year", _l("Revenue this year")), ("rate", _l("Payment success")),
           ("outbox", _l("Outbox waiting")), ("failed", _l("Failed messages (7 days)")),
           ("errors", _l("Errors (24 h)")), ("storage", _l("Storage")),
           ("activity", _l("Last staff activity")), ("created", _l("Created")),
           ("status", _l("Status"))]


def _headers(sort: str, query: str) -> list[dict]:
    """Each column's heading with the link that sorts by it (again: the other way)."""
    out = []
    for key, label in COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        # Figures sort largest first on the first click; names and dates A-Z / oldest first.
        first = key if key in ("name", "created", "status") else f"-{key}"
        target = (key if descending else f"-{key}") if current else first
        params = urlencode({"q": query, "sort": target} if query else {"sort": target})
        out.append({"key": key, "label": label, "href": f"?{params}",
                    "arrow": ("↓" if descending else "↑") if current else ""})
    return out


def sparkline(values: list[int]) -> str:
    """SVG polyline points for the values, scaled into SPARK_W x SPARK_H ("" for fewer than
    two values: no line to draw)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = SPARK_W / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{SPARK_H - 1 - (v - low) * (SPARK_H - 2) / span:.1f}"
                    for i, v in enumerate(values))


def _chart_data(days: list[dict], sums) -> dict:
    return {
        "days": [d["day"].strftime("%m-%d") for d in days],
        "members": [d["members"] for d in days],
        "revenue": [d["revenue_fen"] / 100 for d in days],
        "failed": [d["outbox_failed"] for d in days],
        "errors": [d["errors"] for d in days],
        "reasons": [{"name": str(attention.REASONS[code]), "value": n}
                    for code, n in sums.by_reason.items()],
        "labels": {"members": _("Active members"), "revenue": _("Revenue (yuan)"),
                   "failed": _("Failed messages"), "errors": _("Errors"),
                   "reasons": _("Needs attention")},
    }


@operator_required
def dashboard(request):
    query = request.GET.get("q", "")[:100]
    page, sort = association_page(query=query, sort=request.GET.get("sort", ""),
                                  page=request.GET.get("page", 1))
    rows = []
    for association in page.object_list:
        summary = getattr(association, "summary", None)
        codes = summary.attention if summary else []
        rows.append({
            "association": association, "url": association_url(association),
            "summary": summary, "spark": sparkline(summary.trend_members) if summary else "",
            "level": attention.level(codes),
            "reasons": [attention.REASONS[c] for c in codes if c in attention.REASONS],
        })
    sums = totals()
    base = urlencode({"q": query, "sort": sort} if query else {"sort": sort})
    return render(request, "console/glance.html", {
        "rows": rows, "page": page, "sort": sort, "query": query, "totals": sums,
        "page_query": base,
        "headers": _headers(sort, query), "spark_w": SPARK_W, "spark_h": SPARK_H,
        "charts": _chart_data(daily_totals(), sums),
    })


@operator_required
@require_POST
def refresh(request):
    """立即刷新: queue a refresh of every association (inline where tasks run eagerly)."""
    from shared_apps.platform_stats.tasks import summaries_refresh_all

    summaries_refresh_all.delay()
    # Where tasks run eagerly (the demo) the figures are already new; with a worker they
    # arrive association by association.
    messages.success(request, _("The figures are being refreshed; reload in a moment."))
    return redirect("console:dashboard")
