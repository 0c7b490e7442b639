"""Online payments end to end against the fake gateway: every order credited exactly once,
whatever the notifications do."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.applications.models import ApplicationEvent, Status
from tenant_apps.applications.services import application_start, application_submit
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.billing.models import Order, OrderStatus, PaymentNotice
from tenant_apps.billing.payments import (
    order_refund,
    orders_reconcile,
    payment_notified,
    payment_start,
)
from tenant_apps.billing.services import order_cancel, order_for_application
from tenant_apps.billing.tests.online import connect_accounts
from tenant_apps.configuration.models import MemberType
from tenants.models import Association
from tenants.services import association_create, association_delete


def unpaid_order(n: int = 1, years: int = 1) -> Order:
    """A CMES regular member's order (regular members pay first, then review)."""
    app = application_start(applicant=applicant(n),
                            member_type=MemberType.objects.get(code="regular"))
    complete(app)
    app = application_submit(application=app, actor=app.applicant)
    assert app.status == Status.AWAITING_PAYMENT
    return order_for_application(application=app, actor=app.applicant, years=years)


def start(order: Order, method: str = "wechat") -> None:
    payment_start(order=order, actor=order.payer, method=method,
                  scene="native" if method == "wechat" else "precreate",
                  notify_url="http://cmes.localhost/payments/notify/")


def credited(order: Order) -> int:
    return ApplicationEvent.objects.filter(application=order.application,
                                           action="payment_confirmed").count()


@pytest.mark.parametrize("method", ["wechat", "alipay"])
def test_duplicates_credit_once_and_are_all_answered(cmes, fake, method):
    order = unpaid_order(years=3)
    assert order.amount_fen == 15000  # 50 a year, 3 years, fixed on the order
    start(order, method)
    fake.pay(order.number, send=False)
    outcomes = [payment_notified(method=method, headers=h, body=b).outcome
                for h, b in [fake.notification(order.number) for _ in range(3)]]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and order.provider_transaction_id
    assert credited(order) == 1
    order.application.refresh_from_db()
    assert order.application.status == Status.IN_REVIEW  # CMES regular: review after payment


@pytest.mark.parametrize("method", ["wechat", "alipay"])
def test_tampered_wrong_amount_and_unknown_change_nothing(cmes, fake, method):
    order = unpaid_order()
    start(order, method)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number, tamper=True)
    assert payment_notified(method=method, headers=headers, body=body).outcome == "refused"
    headers, body = fake.notification(order.number, amount=1)
    notice = payment_notified(method=method, headers=headers, body=body)
    assert (notice.outcome, notice.verified) == ("refused", True)
    assert "amount" in notice.detail
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and credited(order) == 0
    # a genuine one afterwards still applies
    headers, body = fake.notification(order.number)
    assert payment_notified(method=method, headers=headers, body=body).outcome == "applied"
    # every notification is logged for finance: the tampered one unverified, unattributed
    assert list(PaymentNotice.objects.filter(order_number=order.number).order_by(
        "received_at").values_list("outcome", flat=True)) == ["refused", "applied"]
    assert PaymentNotice.objects.filter(verified=False, outcome="refused").exists()


def test_payment_after_the_order_was_cancelled_is_kept_to_refund(cmes, fake):
    order = unpaid_order()
    start(order)
    order_cancel(order=order, actor=order.payer)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number)
    notice = payment_notified(method="wechat", headers=headers, body=body)
    assert notice.outcome == "to_refund"
    assert payment_notified(method="wechat", headers=headers, body=body).outcome == \
        "duplicate"  # the gateway's retry: flagged once
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.paid_at is None
    assert credited(order) == 0


def test_lost_notification_is_found_by_reconciliation_and_late_one_is_a_duplicate(cmes, fake):
    order = unpaid_order()
    start(order, "alipay")
    fake.pay(order.number, send=False)  # the notification is lost
    assert orders_reconcile(now=timezone.now()) == 0  # too soon to ask
    assert orders_reconcile(now=timezone.now() + dt.timedelta(minutes=10)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    headers, body = fake.notification(order.number)  # arrives late
    assert payment_notified(method="alipay", headers=headers, body=body).outcome == \
        "duplicate"
    assert credited(order) == 1


def test_refund_through_the_gateway_once(cmes, fake):
    order = unpaid_order()
    start(order)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number)
    payment_notified(method="wechat", headers=headers, body=body)
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create

    finance = user_create(acting_user=None, name="财务", username="fin-x",
                          password="Staff-passw0rd-2026", roles=[Role.FINANCE])
    order_refund(order=order, actor=finance, reason="重复缴费")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    from huiji.errors import AppError

    with pytest.raises(AppError):
        order_refund(order=order, actor=finance, reason="again")


def test_callbacks_over_http_without_session_or_csrf(cmes, fake):
    order = unpaid_order()
    start(order)
    fake.pay(order.number, send=False)
    client = Client(HTTP_HOST="cmes.localhost", enforce_csrf_checks=True)
    headers, body = fake.notification(order.number, tamper=True)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
            if k != "Content-Type"}
    refused = client.post("/payments/notify/wechat/", body, content_type="application/json",
                          **meta)
    assert refused.status_code == 400
    headers, body = fake.notification(order.number)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
            if k != "Content-Type"}
    assert client.post("/payments/notify/wechat/", body, content_type="application/json",
                       **meta).status_code == 204
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_twenty_concurrent_notifications_credit_once(db, fake):
    """Twenty copies of the notification at once, each on its own connection."""
    slug = "payconc"

    def in_thread(fn):
        result = {}

        def run():
            try:
                result["value"] = fn()
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
        return result.get("value")

    def setup():
        connection.set_schema_to_public()
        association_create(acting_user=None, name="并发缴费", slug=slug, profile="cmes",
                           admin_name="Admin", admin_email="a@payconc.test",
                           admin_password="Admin-passw0rd-2026")
        with schema_context(slug):
            connect_accounts(fake)
            order = unpaid_order()
            start(order)
            fake.pay(order.number, send=False)
            return order.number

    number = in_thread(setup)
    copies = [fake.notification(number) for _ in range(20)]
    barrier = threading.Barrier(20)

    def deliver(copy):
        try:
            with schema_context(slug):
                barrier.wait(timeout=20)
                return payment_notified(method="wechat", headers=copy[0], body=copy[1]).outcome
        finally:
            connections.close_all()

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(deliver, copies))
        assert sorted(outcomes).count("applied") == 1
        assert outcomes.count("duplicate") == 19

        def check():
            with schema_context(slug):
                order = Order.objects.get(number=number)
                return order.status, credited(order)

        assert in_thread(check) == (OrderStatus.CONFIRMED, 1)
    finally:
        def drop():
            connection.set_schema_to_public()
            association = Association.objects.filter(slug=slug).first()
            if association:
                association_delete(acting_user=None, association=association)

        in_thread(drop)


def test_finance_finds_and_refunds_an_online_order_on_the_page(cmes, fake):
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create

    order = unpaid_order(n=5)
    start(order)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number)
    payment_notified(method="wechat", headers=headers, body=body)
    finance = user_create(acting_user=None, name="财务", username="fin-ui",
                          password="Staff-passw0rd-2026", roles=[Role.FINANCE])
    client = Client(HTTP_HOST="cmes.localhost")
    client.force_login(finance, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get(f"/finance/orders/?q={order.transfer_reference}").content.decode()
    assert order.number in page and "refund" in page
    assert client.post(f"/finance/orders/{order.number}/refund/",
                       {"reason": "重复缴费"}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    member = Client(HTTP_HOST="cmes.localhost")
    member.force_login(order.payer, backend="tenant_apps.accounts.backends.IdentifierBackend")
    assert member.get("/finance/orders/").status_code == 404


def test_a_notification_for_another_app_id_is_refused(cmes, fake):
    from huiji.payments.base import Notification
    from tenant_apps.billing.payments import payment_apply

    order = unpaid_order(n=6)
    start(order)
    notice = payment_apply(notification=Notification(
        provider="wechat", order_number=order.number, transaction_id="4200X",
        amount_fen=order.amount_fen, merchant="1900000109", paid=True,
        data={"app_id": "wx-someone-else"}), expected_merchant="1900000109",
        expected_app_id="wxd678efh567hg6787")
    assert (notice.outcome, "app id" in notice.detail) == ("refused", True)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_phones_get_the_mobile_payment_pages(cmes, fake):
    order = unpaid_order(n=7)
    client = Client(HTTP_HOST="cmes.localhost", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile")
    client.force_login(order.payer, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get(f"/member/orders/{order.number}/").content.decode()
    assert 'value="h5"' in page and 'value="page"' in page
    response = client.post(f"/member/orders/{order.number}/pay/wechat/", {"scene": "h5"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake.url}/scan/wechat/")


def test_finance_reads_refused_notifications_and_members_filter_orders(cmes, fake):
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create

    order = unpaid_order(n=8)
    start(order)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number, amount=1)
    payment_notified(method="wechat", headers=headers, body=body)
    finance = user_create(acting_user=None, name="财务", username="fin-notices",
                          password="Staff-passw0rd-2026", roles=[Role.FINANCE])
    client = Client(HTTP_HOST="cmes.localhost")
    client.force_login(finance, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get("/finance/notifications/?outcome=refused").content.decode()
    assert order.number in page and "amount 1" in page
    member = Client(HTTP_HOST="cmes.localhost")
    member.force_login(order.payer, backend="tenant_apps.accounts.backends.IdentifierBackend")
    assert order.number in member.get("/member/orders/?kind=join&method=wechat").content.decode()
    assert order.number not in member.get("/member/orders/?kind=renewal").content.decode()


def _deliver(client: Client, method: str, headers: dict, body: bytes):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
            if k != "Content-Type"}
    return client.post(f"/payments/notify/{method}/", body,
                       content_type=headers["Content-Type"], **meta)


@pytest.mark.parametrize("method", ["wechat", "alipay"])
def test_online_payment_after_a_confirmed_voucher_is_flagged_once_for_a_refund(cmes, fake,
                                                                                method):
    """The payer opened the QR code, paid by bank transfer instead (finance confirmed the
    voucher), then scanned the QR code after all: the second payment is recorded, flagged
    once for a refund, and the gateway is answered so that it stops retrying."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.tests.helpers import PNG
    from tenant_apps.billing.services import voucher_decide, voucher_upload
    from tenant_apps.billing.tests.online import connect_bank

    connect_bank()
    order = unpaid_order(n=9)
    start(order, method)
    voucher = voucher_upload(order=order, actor=order.payer,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    finance = user_create(acting_user=None, name="财务", username="fin-twice",
                          password="Staff-passw0rd-2026", roles=[Role.FINANCE])
    voucher_decide(voucher=voucher, actor=finance, accept=True)
    fake.pay(order.number, send=False)
    gateway = Client(HTTP_HOST="cmes.localhost", enforce_csrf_checks=True)
    headers, body = fake.notification(order.number)
    answers = [_deliver(gateway, method, headers, body) for _ in range(3)]  # and two retries
    if method == "wechat":
        assert [a.status_code for a in answers] == [204, 204, 204]
    else:
        assert [a.content for a in answers] == [b"success"] * 3
    assert list(PaymentNotice.objects.filter(order_number=order.number).order_by(
        "received_at").values_list("outcome", flat=True)) == [
        "to_refund", "duplicate", "duplicate"]
    order.refresh_from_db()
    assert (order.status, order.method) == (OrderStatus.CONFIRMED, "bank")
    assert credited(order) == 1  # the bank transfer's effect only, never twice
    staff = Client(HTTP_HOST="cmes.localhost")
    staff.force_login(finance, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = staff.get(f"/finance/orders/?q={order.number}").content.decode()
    assert page.count("待退款") == 1
    log = staff.get("/finance/notifications/?outcome=to_refund").content.decode()
    assert order.number in log and "待退款" in log


def test_notify_url_is_the_associations_primary_domain_whatever_the_host(cmes, fake):
    """The callback address given to the gateway comes from the association's configured
    domain: a request arriving under another of its names, or with a made-up port, cannot
    send the gateway's notifications elsewhere."""
    from tenants.models import Domain

    order = unpaid_order(n=10)
    Domain.objects.create(domain="pay.cmes-alias.example",
                          tenant=Association.objects.get(slug="cmes"), is_primary=False)
    for host in ("cmes.localhost:6666", "pay.cmes-alias.example"):
        client = Client(HTTP_HOST=host)
        client.force_login(order.payer, backend="tenant_apps.accounts.backends.IdentifierBackend")
        page = client.post(f"/member/orders/{order.number}/pay/wechat/", {"scene": "native"})
        assert page.status_code == 200
        assert fake.trades[order.number]["notify_url"] == \
            "http://cmes.localhost:8000/payments/notify/wechat/"
        api = client.post(f"/api/v1/orders/{order.number}/pay/",
                          {"method": "alipay", "scene": "precreate"},
                          content_type="application/json")
        assert api.status_code == 200, api.content
        assert fake.trades[order.number]["notify_url"] == \
            "http://cmes.localhost:8000/payments/notify/alipay/"
        del fake.trades[order.number]


def test_refused_notifications_are_stored_up_to_the_caps_verified_ones_always(cmes, fake,
                                                                             settings):
    """Unsigned junk is answered but past a few a minute per address, and a few more in all,
    no longer stored; a genuine notification from the same address still applies."""
    from django.core.cache import cache

    cache.clear()
    settings.PAYMENT_REFUSED_NOTICES_PER_IP_PER_MINUTE = 3
    settings.PAYMENT_REFUSED_NOTICES_PER_MINUTE = 5
    order = unpaid_order(n=11)
    start(order)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number, tamper=True)
    before = PaymentNotice.objects.count()

    def junk(address: str) -> int:
        client = Client(HTTP_HOST="cmes.localhost", REMOTE_ADDR=address)
        return _deliver(client, "wechat", headers, body).status_code

    assert [junk("203.0.113.7") for _ in range(5)] == [400] * 5
    assert PaymentNotice.objects.count() - before == 3  # the address's cap
    assert [junk("198.51.100.2") for _ in range(3)] == [400] * 3
    assert PaymentNotice.objects.count() - before == 5  # the association's cap
    unknown = Client(HTTP_HOST="cmes.localhost", REMOTE_ADDR="192.0.2.1").post(
        "/payments/notify/alipay/", "a=1", content_type="application/x-www-form-urlencoded")
    assert unknown.content == b"fail"
    assert PaymentNotice.objects.count() - before == 5
    genuine = Client(HTTP_HOST="cmes.localhost", REMOTE_ADDR="203.0.113.7")
    assert _deliver(genuine, "wechat", *fake.notification(order.number)).status_code == 204
    assert PaymentNotice.objects.count() - before == 6
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert Client(HTTP_HOST="cmes.localhost").post(
        "/payments/notify/a-method-name-longer-than-the-column/", "x",
        content_type="text/plain").status_code == 404
