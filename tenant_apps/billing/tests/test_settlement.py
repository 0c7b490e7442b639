"""Money is confirmed by one function (`order_settle`), whoever brings it; money an order
cannot take (the application was withdrawn, the order cancelled) is kept "to refund", never
credited, never a 500, and reconciliation goes on past it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import (
    application_start,
    application_submit,
    application_withdraw,
)
from tenant_apps.applications.tests.helpers import PNG, applicant, complete
from tenant_apps.billing.models import Order, OrderStatus, PaymentNotice, StatementLine
from tenant_apps.billing.payments import orders_reconcile, payment_notified, payment_start
from tenant_apps.billing.services import order_for_application, voucher_decide, voucher_upload
from tenant_apps.billing.statements import statement_import
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.models import Membership


@pytest.fixture
def cmes(cmes):
    """CMES as the payment tests have it (billing/tests/conftest.py), taking bank transfers too."""
    connect_bank()


def finance():
    return user_create(acting_user=None, name="财务", username="fin-settle",
                       password="Staff-passw0rd-2026", roles=[Role.FINANCE])


def awaiting_payment(n: int) -> Application:
    """A CMES regular applicant: pays first, then review."""
    app = application_start(applicant=applicant(n),
                            member_type=MemberType.objects.get(code="regular"))
    complete(app)
    app = application_submit(application=app, actor=app.applicant)
    assert app.status == Status.AWAITING_PAYMENT
    return app


def started(app: Application) -> Order:
    order = order_for_application(application=app, actor=app.applicant, years=1)
    payment_start(order=order, actor=app.applicant, method="wechat", scene="native",
                  notify_url="http://cmes.localhost/payments/notify/")
    return order


def deliver(client: Client, headers: dict, body: bytes):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()
            if k != "Content-Type"}
    return client.post("/payments/notify/wechat/", body, content_type=headers["Content-Type"],
                       **meta)


def test_withdrawing_cancels_the_open_order(cmes):
    app = awaiting_payment(1)
    order = order_for_application(application=app, actor=app.applicant, years=2)
    application_withdraw(application=app, actor=app.applicant)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert AuditEntry.objects.filter(action="order.cancelled_withdrawn",
                                     data__number=order.number).exists()


def test_money_paid_online_after_withdrawal_is_kept_to_refund_and_answered(cmes, fake):
    app = awaiting_payment(2)
    order = started(app)
    application_withdraw(application=app, actor=app.applicant)
    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number)
    gateway = Client(HTTP_HOST="cmes.localhost", enforce_csrf_checks=True)
    answers = [deliver(gateway, headers, body).status_code for _ in range(2)]
    assert answers == [204, 204]  # answered, so the gateway stops retrying; never a 500
    assert list(PaymentNotice.objects.filter(order_number=order.number).order_by(
        "received_at").values_list("outcome", flat=True)) == ["to_refund", "duplicate"]
    order.refresh_from_db()
    app.refresh_from_db()
    assert (order.status, order.paid_at) == (OrderStatus.CANCELLED, None)
    assert app.status == Status.WITHDRAWN and app.paid_at is None
    assert not Membership.objects.filter(user=app.applicant).exists()
    staff = Client(HTTP_HOST="cmes.localhost")
    staff.force_login(finance(), backend="tenant_apps.accounts.backends.IdentifierBackend")
    orders_page = staff.get(f"/finance/orders/?q={order.number}").content.decode()
    assert "待退款" in orders_page
    log = staff.get("/finance/notifications/?outcome=to_refund").content.decode()
    assert order.number in log and "待退款" in log


def test_reconciliation_goes_on_past_an_order_it_cannot_credit(cmes, fake):
    # An order left open by a withdrawal made before withdrawals cancelled orders.
    stuck_app = awaiting_payment(3)
    stuck = started(stuck_app)
    Application.objects.filter(pk=stuck_app.pk).update(status=Status.WITHDRAWN)
    good = started(awaiting_payment(4))
    for order in (stuck, good):
        fake.pay(order.number, send=False)  # both paid, both notifications lost
    later = timezone.now() + dt.timedelta(minutes=10)
    assert orders_reconcile(now=later) == 1
    stuck.refresh_from_db()
    good.refresh_from_db()
    assert stuck.status == OrderStatus.CANCELLED and stuck.paid_at is None
    assert good.status == OrderStatus.CONFIRMED and good.paid_at is not None
    assert PaymentNotice.objects.get(order_number=stuck.number).outcome == "to_refund"
    assert orders_reconcile(now=later) == 0  # and the next run neither stops nor repeats
    assert PaymentNotice.objects.filter(order_number=stuck.number).count() == 1


def test_every_way_money_comes_is_settled_alike(cmes, fake):
    """A voucher accepted by finance, an online payment, a bank statement line: each sets
    the payment and confirmation times and the method, and is audited as one action."""
    person = finance()
    first = awaiting_payment(5)
    by_voucher = order_for_application(application=first, actor=first.applicant, years=1)
    voucher = voucher_upload(order=by_voucher, actor=by_voucher.payer,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    voucher_decide(voucher=voucher, actor=person, accept=True)
    online = started(awaiting_payment(6))
    fake.pay(online.number, send=False)
    headers, body = fake.notification(online.number)
    assert payment_notified(method="wechat", headers=headers, body=body).outcome == "applied"
    app = awaiting_payment(7)
    by_statement = order_for_application(application=app, actor=app.applicant, years=1)
    line = f"日期,金额,附言\n2026-03-01,50.00,{by_statement.transfer_reference}\n"
    assert statement_import(actor=person, name="s.csv", content=line.encode()).matched == 1
    for order, method, via in ((by_voucher, "bank", "voucher"), (online, "wechat", "online"),
                               (by_statement, "bank", "statement")):
        order.refresh_from_db()
        assert order.status == OrderStatus.CONFIRMED
        assert order.paid_at is not None and order.confirmed_at is not None
        assert order.method == method
        entry = AuditEntry.objects.get(action="order.confirmed", data__number=order.number)
        assert (entry.data["via"], entry.data["amount_fen"]) == (via, 5000)
        order.application.refresh_from_db()
        assert order.application.status == Status.IN_REVIEW  # CMES regular: review next


def test_a_statement_line_for_a_cancelled_order_is_to_refund(cmes):
    app = awaiting_payment(8)
    order = order_for_application(application=app, actor=app.applicant, years=1)
    application_withdraw(application=app, actor=app.applicant)
    line = f"日期,金额,附言\n2026-03-01,50.00,{order.transfer_reference}\n"
    result = statement_import(actor=finance(), name="s.csv", content=line.encode())
    assert (result.matched, result.doubtful) == (0, 1)
    row = StatementLine.objects.get(order=order)
    assert row.status == StatementLine.Status.TO_REFUND
    assert row.note == "待退款：订单已取消。"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
