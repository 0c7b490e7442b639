"""The dashboard's summary rows (tenant_apps/dashboards) are per association: a refresh in
one association counts only its own members, and another association's dashboard (on its own
host, or with a session replayed on the owner's host) shows none of them."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenant_apps.dashboards.services import dashboard_refresh
from tenant_apps.dashboards.tests.data import TODAY, build

pytestmark = pytest.mark.django_db


def test_summary_rows_stay_in_their_association(alpha, beta):
    from tenant_apps.dashboards.models import DashboardSnapshot

    with schema_context("alpha"):
        build()
        dashboard_refresh(today=TODAY)
        assert DashboardSnapshot.objects.get(scope="all").figures["arrears"] == 2
    with schema_context("beta"):
        dashboard_refresh(today=TODAY)
        assert DashboardSnapshot.objects.get(scope="all").figures == {}
    assert '<a href="/manage/members/">7</a>' in alpha.client("hq_admin").get(
        "/manage/dashboard/").content.decode()
    theirs = beta.client("hq_admin").get("/manage/dashboard/").content.decode()
    assert '<a href="/manage/members/">0</a>' in theirs and "张三" not in theirs
    replayed = beta.client("hq_admin")
    replayed.defaults["HTTP_HOST"] = alpha.host
    assert replayed.get("/manage/dashboard/").status_code == 302
    assert replayed.get("/manage/dashboard/members.xlsx").status_code == 302
