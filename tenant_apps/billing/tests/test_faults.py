"""The payment gateway unreachable (docs/payments.md, "Faults"): when a member starts a payment
the page says so and offers the bank transfer, the order stays payable, and starting again
once the gateway is back names the same trade; during reconciliation nothing is marked paid
or expired on a guess: the orders are left as they are, logged, and settled on the first run
that reaches the gateway. The gateway is the real fake one, stopped and started again on the
same port, or a server answering 502."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils import timezone

from huiji.payments.fake_gateway import FakePaymentGateway
from tenant_apps.billing.models import Order, OrderStatus
from tenant_apps.billing.payments import orders_reconcile, payment_notified
from tenant_apps.billing.services import orders_expire
from tenant_apps.billing.tests.online import BANK, connect_accounts, connect_bank
from tenant_apps.billing.tests.test_online import credited, start, unpaid_order

DOWN = "支付服务暂时无响应，请稍后再试，或通过下方账户银行转账。"


class Gateway:
    """The fake gateway on a port of its own that the test can stop and start again (its
    keys, merchants and trades carried over: the same provider, back from an outage)."""

    def __init__(self):
        self.live = FakePaymentGateway().start()
        self.port = self.live.server.server_port
        self.trades = self.live.trades
        self.running = True

    def stop(self) -> None:
        self.live.stop()
        self.running = False

    def back(self) -> FakePaymentGateway:
        self.live = FakePaymentGateway(port=self.port, state=self.live.state())
        self.live.trades = self.trades
        self.running = True
        return self.live.start()


@pytest.fixture
def gateway(cmes):
    gw = Gateway()
    connect_accounts(gw.live)
    yield gw
    if gw.running:
        gw.stop()


def member_client(order: Order) -> Client:
    client = Client(HTTP_HOST="cmes.localhost")
    client.force_login(order.payer, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("method", ["wechat", "alipay"])
def test_gateway_down_when_a_payment_starts_then_back(gateway, method):
    connect_bank()
    order = unpaid_order(n=21)
    client = member_client(order)
    gateway.stop()
    response = client.post(f"/member/orders/{order.number}/pay/{method}/", follow=True)
    page = text(response)
    assert response.status_code == 200 and DOWN in page
    assert BANK["account_number"] in page and order.transfer_reference in page
    order.refresh_from_db()
    assert (order.status, order.method) == (OrderStatus.PENDING, "")  # untouched, payable
    assert gateway.trades == {}

    gateway.back()
    for _ in range(2):  # back: the member tries again, and once more (a double click)
        response = client.post(f"/member/orders/{order.number}/pay/{method}/")
        assert response.status_code == 200 and "<svg" in response.content.decode()
    assert list(gateway.trades) == [order.number]  # one trade: out_trade_no is the order's
    assert Order.objects.filter(application=order.application).count() == 1
    order.refresh_from_db()
    assert (order.status, order.method) == (OrderStatus.PENDING, method)
    gateway.live.pay(order.number, send=False)  # paid; its notification arrives
    headers, body = gateway.live.notification(order.number)
    assert payment_notified(method=method, headers=headers, body=body).outcome == "applied"
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and credited(order) == 1


class BadGateway(BaseHTTPRequestHandler):
    """A proxy in front of the gateway answering 502 with its own HTML page."""

    def _answer(self):
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("method", ["wechat", "alipay"])
def test_gateway_answering_502_is_a_clear_503_in_the_api(gateway, method):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), BadGateway)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        from tenant_apps.configuration.models import PaymentAccount

        account = PaymentAccount.objects.get(kind=method)
        url = f"http://127.0.0.1:{proxy.server_port}"
        account.settings["gateway_url"] = url if method == "wechat" else f"{url}/gateway.do"
        account.save()
        order = unpaid_order(n=22)
        response = member_client(order).post(
            f"/api/v1/orders/{order.number}/pay/",
            {"method": method, "scene": "native" if method == "wechat" else "precreate"},
            content_type="application/json")
        assert response.status_code == 503
        assert response.json()["error"]["message"] == "支付服务暂时无响应，请稍后再试。"
        order.refresh_from_db()
        assert (order.status, order.method) == (OrderStatus.PENDING, "")
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_reconciliation_with_the_gateway_down_changes_nothing_then_settles(gateway, caplog):
    order = unpaid_order(n=23)
    start(order, "alipay")
    gateway.live.pay(order.number, send=False)  # paid; the notification is lost
    gateway.stop()
    later = timezone.now() + dt.timedelta(minutes=10)
    with caplog.at_level(logging.WARNING, logger="tenant_apps.billing.payments"):
        assert orders_reconcile(now=later) == 0
    assert any(order.number in r.getMessage() and "next run" in r.getMessage()
               for r in caplog.records)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and credited(order) == 0

    # past the pay-by time, still down: not expired on a guess (it was paid)
    past_due = order.expires_at + dt.timedelta(hours=1)
    assert orders_expire(now=past_due) == 0
    assert orders_reconcile(now=past_due) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING

    gateway.back()  # the next run reaches it: the payment is found, once
    assert orders_reconcile(now=past_due) == 1
    assert orders_reconcile(now=past_due) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and credited(order) == 1


def test_an_abandoned_online_order_expires_only_once_the_gateway_closed_its_trade(gateway):
    order = unpaid_order(n=24)
    start(order, "wechat")  # started, never paid
    past_due = order.expires_at + dt.timedelta(hours=1)
    gateway.stop()
    assert orders_expire(now=past_due) == 0
    assert orders_reconcile(now=past_due) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING

    gateway.back()
    assert orders_reconcile(now=past_due) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert gateway.trades[order.number]["status"] == "CLOSED"


def test_an_order_never_started_online_expires_as_before(gateway):
    order = unpaid_order(n=25)
    assert orders_expire(now=order.expires_at + dt.timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
