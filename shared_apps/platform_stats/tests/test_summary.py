"""The summary table: hand-computed figures of one association after a refresh, the console
page showing them, the rows coloured by what needs attention, and the page's queries flat."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from shared_apps.platform_stats.errors import errors_last_day, record_error
from shared_apps.platform_stats.models import AssociationDay, AssociationSummary
from shared_apps.platform_stats.services import summary_refresh
from shared_apps.platform_stats.tests.data import NOW, SHANGHAI, H, build
from tenants.models import Association
from tests.harness import PASSWORD

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def operator(db) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"username": "operator", "password": PASSWORD}).status_code \
        == 302
    return client


@pytest.fixture
def alpha_built(alpha):
    with schema_context("alpha"):
        build()
    record_error("alpha", NOW - H)
    record_error("alpha", NOW - 2 * H)
    record_error("alpha", NOW - 30 * H)  # more than a day ago
    return Association.objects.get(slug="alpha")


def test_the_refresh_fills_the_hand_computed_figures(alpha_built):
    summary = summary_refresh(alpha_built, now=NOW)
    got = {f: getattr(summary, f) for f in (
        "members_active", "members_new_30d", "applications_open", "applications_stalled",
        "revenue_month_fen", "revenue_year_fen", "payments_ok_30d", "payments_failed_30d",
        "payment_success_permille", "outbox_pending", "outbox_stuck", "outbox_failed_7d",
        "errors_24h", "storage_files_bytes", "last_staff_activity_at", "attention")}
    assert got == {
        "members_active": 3, "members_new_30d": 2,
        "applications_open": 3, "applications_stalled": 2,
        "revenue_month_fen": 80000, "revenue_year_fen": 100000,
        # paid, confirmed x2 succeeded; expired and cancelled failed: 3 of 5
        "payments_ok_30d": 3, "payments_failed_30d": 2, "payment_success_permille": 600,
        "outbox_pending": 2, "outbox_stuck": 1, "outbox_failed_7d": 2,
        "errors_24h": 2, "storage_files_bytes": 3345,
        "last_staff_activity_at": NOW - dt.timedelta(days=1),
        "attention": ["outbox", "errors"],
    }
    assert summary.storage_db_bytes > 1_000_000  # the schema's ~300 tables and indexes
    day = AssociationDay.objects.get(association=alpha_built)
    assert (day.day, day.members_active, day.revenue_fen, day.outbox_failed, day.errors) == \
        (dt.date(2027, 6, 15), 3, 30000, 1, 2)


def test_refreshing_again_replaces_the_row_and_builds_the_trend(alpha_built, beta):
    summary_refresh(alpha_built, now=NOW - dt.timedelta(days=1))
    summary_refresh(alpha_built, now=NOW)
    summary_refresh(alpha_built, now=NOW)  # twice the same day: still one daily row
    assert AssociationSummary.objects.filter(association=alpha_built).count() == 1
    assert list(AssociationDay.objects.filter(association=alpha_built)
                .order_by("day").values_list("day", "members_active")) == \
        [(dt.date(2027, 6, 14), 3), (dt.date(2027, 6, 15), 3)]
    assert AssociationSummary.objects.get(association=alpha_built).trend_members == [3, 3]
    # beta's figures are its own: none of alpha's data.
    theirs = summary_refresh(Association.objects.get(slug="beta"), now=NOW)
    assert (theirs.members_active, theirs.revenue_year_fen, theirs.outbox_pending,
            theirs.errors_24h, theirs.storage_files_bytes) == (0, 0, 0, 0, 0)


def test_the_console_shows_the_figures_and_the_reasons(alpha_built, operator):
    summary_refresh(alpha_built, now=NOW)
    page = text(operator.get("/console/?q=alpha"))
    row = re.search(r'<tr class="attn-danger">(.*?)</tr>', page).group(1)
    assert "Alpha Society" in row
    assert "消息发送失败或积压" in row and "最近一天有错误" in row
    cells = dict(re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row))
    assert cells["有效会员"].startswith('<span><span class="glance-n">3</span>')
    assert cells["近30天新增"] == "2"
    assert cells["在办申请"] == "3" and cells["停滞"] == "2"
    assert cells["本月收入"] == "¥800" and cells["本年收入"] == "¥1,000"
    assert cells["支付成功率"] == "<span>60% <small>(3/5)</small></span>"
    assert cells["待发消息"] == "<span>2 <small>(1 条超过一小时)</small></span>"
    assert cells["发送失败（7天）"] == "2"
    assert cells["错误（24小时）"] == "2"
    assert cells["最近工作人员活动"] == "2027-06-14"
    assert "Beta Society" not in page  # searched for alpha


def test_a_quiet_association_and_failing_payments_are_coloured_with_their_reason(alpha,
                                                                                 operator):
    with schema_context("alpha"):
        build(extra_failed_payments=1)
    association = Association.objects.get(slug="alpha")
    summary = summary_refresh(association, now=NOW + dt.timedelta(days=40))
    # 40 days on: orders of the last 30 days none; the staff quiet since NOW - 1 day.
    assert summary.attention == ["outbox", "quiet"]
    summary = summary_refresh(association, now=NOW)
    # 3 expired or cancelled of 6 settled: 50 % is below 80 %
    assert (summary.payments_failed_30d, summary.payment_success_permille) == (3, 500)
    assert summary.attention == ["outbox", "payments"]
    AssociationSummary.objects.filter(pk=summary.pk).update(attention=["quiet"])
    page = text(operator.get("/console/?q=alpha"))
    assert re.search(r'<tr class="attn-warn">.*?近30天无工作人员活动', page)


def test_an_association_not_counted_yet_is_listed_with_a_note(alpha, operator):
    page = text(operator.get("/console/?q=beta"))
    assert "Beta Society" in page
    assert "尚未统计：下次刷新后显示数据。" in page


def test_sorting_searching_and_pages(alpha_built, operator):
    summary_refresh(alpha_built, now=NOW)
    summary_refresh(Association.objects.get(slug="beta"), now=NOW)
    by_members = text(operator.get("/console/?sort=-members"))
    assert by_members.index("Alpha Society") < by_members.index("Beta Society")
    by_members = text(operator.get("/console/?sort=members"))
    assert by_members.index("Beta Society") < by_members.index("Alpha Society")
    # the heading of the sorted column sorts the other way
    assert 'href="?sort=-members"' in by_members
    assert "Alpha Society" not in text(operator.get("/console/?q=BET"))
    # an unknown sort or page is not an error
    assert operator.get("/console/?sort=drop+table&page=zz").status_code == 200


def test_refresh_now_button_refreshes_every_association(alpha_built, operator,
                                                        django_capture_on_commit_callbacks):
    assert not AssociationSummary.objects.exists()
    response = operator.post("/console/refresh/", follow=True)
    assert "正在刷新数据，请稍后重新加载。" in text(response)
    assert set(AssociationSummary.objects.values_list("association__slug", flat=True)) >= \
        {"alpha", "beta"}
    assert operator.get("/console/refresh/").status_code == 405


def test_the_management_command_refreshes_named_associations(alpha_built):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("platform_stats_refresh", "alpha", stdout=out)
    assert out.getvalue().startswith("1 associations refreshed")
    assert list(AssociationSummary.objects.values_list("association__slug", flat=True)) == \
        ["alpha"]


def test_the_error_counter_counts_logged_errors_per_association(alpha):
    import logging

    from django.db import connection

    with schema_context("alpha"):
        logging.getLogger("glance.test").error("boom in %s", connection.schema_name)
    logging.getLogger("glance.test").error("boom in public: not an association's")
    assert errors_last_day("alpha") == 1
    assert errors_last_day("beta") == 0


def _make_associations(count: int) -> None:
    """Rows only (no schemas): the page reads public tables only, which is the point."""
    from tenants.models import Domain

    now = dt.datetime.now(SHANGHAI)
    start = Association.objects.count()
    for n in range(start, start + count):
        association = Association(schema_name=f"fake{n}", name=f"假协会{n}", slug=f"fake{n}")
        association.save()
        Domain.objects.create(tenant=association, domain=f"fake{n}.localhost", is_primary=True)
        AssociationSummary.objects.create(association=association, members_active=n,
                                          trend_members=[1, 2, 3], refreshed_at=now,
                                          attention=["quiet"] if n % 2 else [])
        AssociationDay.objects.create(association=association, day=now.date(),
                                      members_active=n)


def test_the_page_queries_stay_flat_from_10_to_many(alpha, operator,
                                                    django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _make_associations(8)
    with CaptureQueriesContext(connection) as ten:
        assert operator.get("/console/").status_code == 200
    _make_associations(120)
    with CaptureQueriesContext(connection) as many:
        page = operator.get("/console/?sort=-members&page=2")
    assert page.status_code == 200
    assert len(many) == len(ten)
    # session, user, page count, page rows, domains, totals (2), daily chart, messages
    with django_assert_max_num_queries(9):
        operator.get("/console/?q=假协会")
    shown = text(page)
    assert "第 2 / 3 页" in shown
    assert shown.count('<svg class="spark"') == 50
