"""The payment notification view's queries: a first delivery claims its order in one
statement, a gateway's retry is answered from the order's unique transaction id in one
statement, and a forged one costs no more than reading the account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenant_apps.billing.models import Order, OrderStatus, PaymentNotice
from tenant_apps.billing.tests.test_online import start, unpaid_order


def _post(fake, number: str, **kwargs) -> tuple[int, list[str]]:
    """POST the gateway's notification; the answer's status and the statements run (the
    test's own savepoints left out: in production the request's transaction)."""
    headers, body = fake.notification(number, **kwargs)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
            if k != "Content-Type"}
    client = Client(HTTP_HOST="cmes.localhost")
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/payments/notify/wechat/", body,
                               content_type="application/json", **meta)
    return response.status_code, [q["sql"] for q in queries.captured_queries
                                  if "SAVEPOINT" not in q["sql"]]


def _matches(statements: list[str], beginnings: list[str]) -> bool:
    return len(statements) == len(beginnings) and all(
        " ".join(s.split()).startswith(b) for s, b in zip(statements, beginnings, strict=True))


@pytest.mark.django_db
def test_the_notify_view_claims_in_one_statement_and_answers_retries_in_one(cmes, fake):
    orders = [unpaid_order(n) for n in (1, 2)]
    for order in orders:
        start(order)
        fake.pay(order.number, send=False)
    Client(HTTP_HOST="cmes.localhost").get("/")  # the host's association is cached now

    status, first = _post(fake, orders[0].number)
    assert status == 204
    on_orders = [s for s in first if "billing_order" in s]
    assert len(on_orders) == 1 and on_orders[0].lstrip().startswith("WITH prior AS")
    assert "FOR UPDATE" in on_orders[0]
    # The claim, the revenue summary, the audit row and the notice; the rest is the joining
    # application moving on after payment (its row, history, audit and messages).
    assert len(first) <= 14, first

    # The gateway's retries: four statements each, whatever else is in the table.
    for _ in range(2):
        status, again = _post(fake, orders[0].number)
        assert status == 204
        assert _matches(again, [
            'SET search_path = "cmes","public"',
            'SELECT "configuration_paymentaccount"."id"',
            "WITH prior AS (",
            "INSERT INTO billing_paymentnotice (provider,"]), again
    # A forged one: the account and the refusal, nothing about any order.
    status, forged = _post(fake, orders[1].number, tamper=True)
    assert status == 400
    assert len(forged) == 3 and not [s for s in forged if "billing_order" in s]

    assert list(PaymentNotice.objects.filter(order_number=orders[0].number).order_by(
        "received_at", "pk").values_list("outcome", flat=True)) == [
            "applied", "duplicate", "duplicate"]
    assert Order.objects.get(pk=orders[0].pk).status == OrderStatus.CONFIRMED
    assert Order.objects.get(pk=orders[1].pk).status == OrderStatus.PENDING


@pytest.mark.django_db
def test_a_new_platform_key_is_used_at_once_though_adapters_are_kept(cmes, fake):
    """The adapter (its keys decrypted) is kept between notifications, and a key staff
    replace is the one the next notification is checked with."""
    from huiji.payments import rsa
    from tenant_apps.billing.gateways import account_for, gateway_for
    from tenant_apps.configuration.services import payment_secret_set

    assert gateway_for(account_for("wechat")) is gateway_for(account_for("wechat"))
    order = unpaid_order()
    start(order)
    fake.pay(order.number, send=False)
    # WeChat Pay's platform key is renewed: the fake signs with the new one, and staff paste
    # its public half into the account.
    old_private, old_public = fake.platform_private, fake.platform_public
    fake.platform_private, fake.platform_public = rsa.new_key_pair()
    try:
        status, _statements = _post(fake, order.number)
        assert status == 400  # not yet entered: refused
        payment_secret_set(acting_user=None, account=account_for("wechat"),
                           name="platform_public_key", value=fake.platform_public)
        status, _statements = _post(fake, order.number)
        assert status == 204
    finally:
        fake.platform_private, fake.platform_public = old_private, old_public
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONFIRMED
