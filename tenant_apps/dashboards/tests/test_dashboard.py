"""The dashboard (/manage/dashboard/): its figures on a hand-built association, the same
figures for HQ and (scoped) for the branch's administrator, each number a link to the list
that shows the same members, each chart as Excel, and a query count that does not grow."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.configuration.models import Branch
from tenant_apps.dashboards.selectors import dashboard_for
from tenant_apps.dashboards.services import dashboard_refresh
from tenant_apps.dashboards.tests.data import TODAY, branch_admin_of, build, build_money

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _cells(data, table):
    """{row label: [cell values]} of one table."""
    return {str(r[0]["value"]): [c["value"] for c in r[1:]] for r in data["tables"][table]["rows"]}


@pytest.fixture
def robot(alpha):
    with schema_context("alpha"):
        memberships = build()
        build_money(memberships)
        admin = branch_admin_of(Branch.objects.get(code="robot"))
        dashboard_refresh(today=TODAY)
    return {"memberships": memberships, "admin": admin}


def test_the_figures_of_the_hand_built_branch(robot, alpha):
    with schema_context("alpha"):
        data = dashboard_for(robot["admin"])
    members = _cells(data, "members")
    # columns: 正式会员, 欠费(宽限期), 已暂停, 已失效, 已退会, 合计
    assert members == {
        "普通会员": [2, 1, 1, 0, 1, 5],
        "高级会员": [1, 0, 0, 0, 0, 1],
        "学生会员": [0, 0, 0, 1, 0, 1],
        "合计": [3, 1, 1, 1, 1, 7],
    }
    tiles = {str(t["label"]): t["value"] for t in data["tiles"]}
    assert tiles == {"有效会员": 3, "欠费": 2, "未来30天到期": 1, "未来60天到期": 2,
                     "未来90天到期": 2}
    months = _cells(data, "months")
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months["2026-01"] == [1, 0]
    assert months["2026-03"] == [2, 0]
    assert months["2026-06"] == [0, 1]
    assert sum(v[0] for v in months.values()) == 3 and sum(v[1] for v in months.values()) == 1
    assert _cells(data, "funnel") == {"开始申请": [4], "已提交": [3], "审核通过": [2],
                                      "已缴费": [1], "成为会员": [1]}
    assert _cells(data, "stalls") == {"填写中": [1], "待会员审核": [1], "待缴费": [1]}
    revenue = _cells(data, "revenue_month")
    assert revenue["2026-11"] == [1, 30000] and revenue["2026-10"] == [1, 50000]
    assert _cells(data, "revenue_type") == {"高级会员": [50000], "普通会员": [30000]}
    assert _cells(data, "revenue_method") == {"银行转账": [1, 50000], "微信支付": [1, 30000]}
    renewal = _cells(data, "renewal")
    assert renewal["2025"] == [2, 1, "50.0%", 0, 0]
    assert renewal["2026"] == [1, 0, "0.0%", 1, 1]
    assert renewal["2024"] == [0, 0, "—", 0, 0]


def test_hq_sees_the_same_association_wide_and_another_branch_sees_none_of_it(robot, alpha):
    with schema_context("alpha"):
        hq = dashboard_for(alpha.user("hq_admin"))
        other = branch_admin_of(Branch.objects.get(code="welding"), "welding-admin")
        theirs = dashboard_for(other)
    assert _cells(hq, "members")["合计"] == [3, 1, 1, 1, 1, 7]
    assert _cells(theirs, "members") == {"合计": [0, 0, 0, 0, 0, 0]}
    assert _cells(theirs, "funnel")["开始申请"] == [0]
    assert theirs["branches"] == ["焊接分会"]


def test_every_member_number_is_the_count_of_the_list_behind_it(robot, alpha):
    """Each link of the members table, the months and the tiles opens the member list with
    filters; the list (the directory's own search) has exactly as many members as the
    number says, for the branch administrator and for HQ."""
    from tenant_apps.directory.selectors import member_search

    for viewer in (robot["admin"], alpha.user("hq_admin")):
        with schema_context("alpha"):
            data = dashboard_for(viewer)
            links = [(c["value"], c["href"]) for t in ("members", "months")
                     for r in data["tables"][t]["rows"] for c in r[1:] if c["href"]]
            links += [(t["value"], t["href"]) for t in data["tiles"]]
            assert len(links) == 4 * 6 + 12 * 2 + 5
            for number, href in links:
                url = urlsplit(href)
                assert url.path == "/manage/members/"
                result = member_search(viewer, parse_qs(url.query))
                assert result.total == number, href


def test_the_ending_and_arrears_links_name_the_filters_by_hand(robot, alpha):
    with schema_context("alpha"):
        tiles = {str(t["label"]): t["href"] for t in dashboard_for(robot["admin"])["tiles"]}
    assert tiles["欠费"] == "/manage/members/?arrears=1"
    assert tiles["未来30天到期"] == ("/manage/members/?status=active&valid_from=2026-12-07"
                                  "&valid_to=2027-01-06")


def test_the_page_for_the_branch_admin_shows_numbers_as_links_and_a_chart_block(robot, alpha):
    client = alpha.client()
    with schema_context("alpha"):
        client.force_login(robot["admin"], backend="tenant_apps.accounts.backends."
                                                    "IdentifierBackend")
    page = client.get("/manage/dashboard/")
    assert page.status_code == 200
    shown = text(page)
    assert "数据概览 · 机器人分会" in shown
    assert '<a href="/manage/members/?type=regular&amp;status=active">2</a>' in shown
    assert '<a class="stat" href="/manage/members/?arrears=1"><span class="stat-n">2</span>' \
        in shown
    # amounts, not linked: the finance pages are not a branch administrator's
    assert 'href="/finance/' not in shown
    assert "¥300" in shown and "¥500" in shown
    # charts: data in a JSON block, drawn by the vendored library; no inline script
    assert '<script id="dashboard-charts" type="application/json">' in shown
    assert "/static/vendor/echarts/echarts.common.min.js" in shown
    assert re.search(r"<script>(?!</script>)", shown) is None


def test_each_chart_downloads_as_excel_with_its_numbers(robot, alpha):
    from openpyxl import load_workbook

    client = alpha.client("hq_admin")
    response = client.get("/manage/dashboard/revenue_method.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["支付方式", "订单数", "金额（元）"], ["银行转账", 1, 500], ["微信支付", 1, 300]]
    assert client.get("/manage/dashboard/nothing.xlsx").status_code == 404


def test_who_may_see_it(robot, alpha, beta):
    assert alpha.client("finance").get("/manage/dashboard/").status_code == 404
    assert alpha.client("member").get("/manage/dashboard/").status_code == 404
    assert alpha.client().get("/manage/dashboard/").status_code == 302
    # a branch administrator cannot ask for a refresh; HQ can
    assert alpha.client("branch_admin").post("/manage/dashboard/refresh/").status_code == 404
    assert alpha.client("hq_admin").post("/manage/dashboard/refresh/").status_code == 302


def test_the_query_count_does_not_grow_with_members(robot, alpha):
    client = alpha.client("hq_admin")
    client.get("/manage/dashboard/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/manage/dashboard/").status_code == 200
    with schema_context("alpha"):
        more = build("welding", prefix="W")
        build_money(more, "welding")
        dashboard_refresh(today=TODAY)
    with CaptureQueriesContext(connection) as large:
        page = client.get("/manage/dashboard/")
    assert '<a href="/manage/members/">14</a>' in text(page)
    assert len(large.captured_queries) == len(small.captured_queries) <= 8


def test_the_lifecycle_job_refreshes_the_figures(alpha):
    from tenant_apps.dashboards.models import DashboardSnapshot
    from tenant_apps.memberships.tasks import membership_lifecycle_task

    with schema_context("alpha"):
        build()
        assert not DashboardSnapshot.objects.exists()
        membership_lifecycle_task()
        row = DashboardSnapshot.objects.get(scope="all")
    assert row.figures["members"]
