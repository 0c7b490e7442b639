"""`/manage/dashboard/`: the association at a glance, for HQ and (scoped) branch
administrators; each chart also as Excel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.dashboards import selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _queue_refresh() -> None:
    from tenant_apps.dashboards.tasks import dashboard_refresh_task

    dashboard_refresh_task.delay()


@login_required
def dashboard(request):
    rows = selectors.snapshots_of(request.user)
    if rows is None:
        raise Http404
    if not rows:
        # Never computed in this association (a new one, before its first night): ask for
        # it now (at once where tasks run eagerly, the demo).
        _queue_refresh()
    data = selectors.dashboard_for(request.user)
    return render(request, "dashboards/dashboard.html", {
        **data, "charts": selectors.chart_data(data["tables"]),
        "may_refresh": selectors.scope(request.user, selectors.CAPABILITY) == "all"})


@login_required
@require_POST
def refresh(request):
    if selectors.scope(request.user, selectors.CAPABILITY) != "all":
        raise Http404
    _queue_refresh()
    return redirect("dashboards:dashboard")


@login_required
def chart_xlsx(request, chart: str):
    if chart not in selectors.CHARTS:
        raise Http404
    data = selectors.dashboard_for(request.user)
    if data is None:
        raise Http404
    response = HttpResponse(selectors.table_xlsx(data["tables"][chart]), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="dashboard-{chart}.xlsx"'
    return response
