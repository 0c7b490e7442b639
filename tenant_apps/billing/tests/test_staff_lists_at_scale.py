"""Finance's lists at scale: revenue from the daily summary kept by `order_move` (the same
figures as the orders, checked against hand-written sums, Beijing days), the order list paged
and searched by separate indexed lookups, each asking as many queries for 30 rows as for 3;
another association's money never shows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.billing import selectors
from tenant_apps.billing.models import Order, OrderStatus, RevenueDay
from tenant_apps.billing.reports import revenue
from tenant_apps.billing.services import order_move, revenue_rebuild
from tenant_apps.configuration.models import MemberType

BEIJING = ZoneInfo("Asia/Shanghai")


def _order(n: int, *, code: str = "regular", fen: int = 5000) -> Order:
    return Order.objects.create(
        number=f"T{n:015d}", transfer_reference=f"HJT{n:05d}", kind="join", payer=applicant(n),
        member_type=MemberType.objects.get(code=code), years=1, unit_amount_fen=fen,
        amount_fen=fen, expires_at="2099-01-01T00:00:00Z")


def _confirm(order: Order, method: str, at: dt.datetime) -> None:
    order.method, order.paid_at, order.confirmed_at = method, at, at
    order_move(order, OrderStatus.CONFIRMED, actor=None, action="confirmed")


def _figures(data: dict) -> dict:
    return {
        "total": data["total"],
        "month": [(r["month"].strftime("%Y-%m"), r["orders"], r["total"])
                  for r in data["by_month"]],
        "type": [(r["member_type__name"], r["orders"], r["total"]) for r in data["by_type"]],
        "method": [(r["method"], r["orders"], r["total"]) for r in data["by_method"]],
    }


@pytest.mark.django_db
def test_revenue_equals_the_confirmed_orders_by_beijing_day(alpha):
    with schema_context("alpha"):
        _confirm(_order(1, fen=50000), "wechat",
                 dt.datetime(2026, 10, 31, 23, 30, tzinfo=BEIJING))
        # 00:10 on 1 November in Beijing is still 31 October in UTC: November's money
        _confirm(_order(2, fen=30000), "bank", dt.datetime(2026, 11, 1, 0, 10, tzinfo=BEIJING))
        _confirm(_order(3, code="senior", fen=100000), "alipay",
                 dt.datetime(2026, 11, 15, 10, 0, tzinfo=BEIJING))
        refunded = _order(4, code="senior", fen=20000)
        _confirm(refunded, "wechat", dt.datetime(2026, 11, 20, 9, 0, tzinfo=BEIJING))
        order_move(refunded, OrderStatus.REFUNDED, actor=None, action="refunded")
        _order(5, fen=99900)  # not paid
        _confirm(_order(6, fen=10000), "wechat",
                 dt.datetime(2025, 12, 31, 22, 0, tzinfo=BEIJING))

        everything = {
            "total": 190000,
            "month": [("2025-12", 1, 10000), ("2026-10", 1, 50000), ("2026-11", 2, 130000)],
            "type": [("高级会员", 1, 100000), ("普通会员", 3, 90000)],
            "method": [("alipay", 1, 100000), ("wechat", 2, 60000), ("bank", 1, 30000)],
        }
        assert _figures(revenue()) == everything
        assert _figures(revenue(2026)) == {
            "total": 180000,
            "month": [("2026-10", 1, 50000), ("2026-11", 2, 130000)],
            "type": [("高级会员", 1, 100000), ("普通会员", 2, 80000)],
            "method": [("alipay", 1, 100000), ("wechat", 1, 50000), ("bank", 1, 30000)],
        }
        # rebuilt from the orders, the summary says the same
        assert revenue_rebuild() == RevenueDay.objects.count()
        assert _figures(revenue()) == everything
    page = alpha.client("finance").get("/finance/revenue/").content.decode()
    assert "¥1,900" in page
    for heading in ("<th>月份</th>", "<th>会员类型</th>", "<th>支付方式</th>", "<th>订单数</th>",
                    "<th>金额</th>"):
        assert heading in page
    assert "支付宝" in page and "银行转账" in page


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_finance_pages_ask_as_many_queries_for_30_orders_as_for_3(alpha):
    start = dt.datetime(2026, 9, 1, 12, 0, tzinfo=BEIJING)
    with schema_context("alpha"):
        for n in range(1, 4):
            _confirm(_order(n), ("wechat", "alipay", "bank")[n % 3], start + dt.timedelta(n))
    client = alpha.client("finance")
    client.get("/finance/orders/")  # the first request of a session warms caches of its own
    few = [_queries(client, path) for path in ("/finance/orders/", "/finance/revenue/",
                                               "/finance/orders/?q=申请人")]
    with schema_context("alpha"):
        for n in range(4, 31):
            _confirm(_order(n, code=("regular", "senior")[n % 2]),
                     ("wechat", "alipay", "bank")[n % 3], start + dt.timedelta(n))
    page = client.get("/finance/orders/").content.decode()
    assert page.count('">T0000000000000') == 30
    assert [_queries(client, path) for path in ("/finance/orders/", "/finance/revenue/",
                                                "/finance/orders/?q=申请人")] == few


@pytest.mark.django_db
def test_order_search_by_number_reference_phone_and_name_start_and_paging(alpha, monkeypatch):
    with schema_context("alpha"):
        for n in range(1, 4):
            _order(n)
    client = alpha.client("finance")

    def found(query: str) -> list[str]:
        page = client.get("/finance/orders/", {"q": query}).content.decode()
        return [f"T{n:015d}" for n in range(1, 4) if f"T{n:015d}" in page]

    assert found("T000000000000002") == ["T000000000000002"]
    assert found("hjt00003") == ["T000000000000003"]          # the reference in any case
    assert found("13900000001") == ["T000000000000001"]       # the payer's phone
    assert found("申请人") == ["T000000000000001", "T000000000000002", "T000000000000003"]
    assert found("申请人2") == ["T000000000000002"]           # the start of the name
    assert found("请人2") == []                                # not the middle of it
    assert found("没有这个人") == []
    monkeypatch.setattr(selectors, "FINANCE_ORDERS_PAGE", 2)
    first = client.get("/finance/orders/").content.decode()
    # newest first: 3 and 2 on the first page, 1 on the next
    assert "T000000000000003" in first and "T000000000000001" not in first
    assert 'href="?page=2"' in first and "第 1 页" in first
    second = client.get("/finance/orders/?page=2").content.decode()
    assert "T000000000000001" in second and "T000000000000003" not in second
    assert "下一页" not in second and "上一页" in second
    bad = client.get("/finance/orders/?page=-1")
    assert bad.status_code == 400 and "页码无效" in bad.content.decode()


@pytest.mark.django_db
def test_another_associations_money_never_shows(alpha, beta):
    with schema_context("alpha"):
        _confirm(_order(1, fen=123400), "wechat", dt.datetime(2026, 11, 2, 9, tzinfo=BEIJING))
    assert "¥1,234" in alpha.client("finance").get("/finance/revenue/").content.decode()
    theirs = beta.client("finance")
    assert "¥1,234" not in theirs.get("/finance/revenue/").content.decode()
    assert '">T000000000000001' not in theirs.get("/finance/orders/").content.decode()
    searched = theirs.get("/finance/orders/?q=T000000000000001").content.decode()
    assert '">T000000000000001' not in searched and "暂无订单" in searched
