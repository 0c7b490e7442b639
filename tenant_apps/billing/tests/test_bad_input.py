"""Parameters that are not numbers answer 400 with a message on the page and change
nothing (they used to raise inside the view: a server error)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import application_start, application_submit
from tenant_apps.applications.tests.helpers import PNG, applicant, complete
from tenant_apps.billing.models import InvoiceRequest, Order, OrderStatus, StatementLine
from tenant_apps.billing.services import order_for_application, voucher_decide, voucher_upload
from tenant_apps.billing.statements import statement_import
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def _client(user) -> Client:
    client = Client(HTTP_HOST="alpha.localhost")
    with schema_context("alpha"):
        client.force_login(user, backend=BACKEND)
    return client


def _awaiting_payment(n: int):
    app = application_start(applicant=applicant(n),
                            member_type=MemberType.objects.get(code="regular"))
    complete(app)
    app = application_submit(application=app, actor=app.applicant)
    assert app.status == Status.AWAITING_PAYMENT
    return app


@pytest.fixture
def finance(alpha):
    with schema_context("alpha"):
        connect_bank()
        return user_create(acting_user=None, name="财务", username="fin-bad",
                           password="Staff-passw0rd-2026", roles=[Role.FINANCE])


def test_years_that_are_not_a_number(alpha):
    with schema_context("alpha"):
        app = _awaiting_payment(80)
    response = _client(app.applicant).post("/member/pay/", {"years": "abc"})
    assert response.status_code == 400
    assert "请选择可选的年限之一。" in response.content.decode()
    with schema_context("alpha"):
        assert not Order.objects.filter(application=app).exists()


def test_reissue_of_that_is_not_a_number(alpha, finance):
    with schema_context("alpha"):
        app = _awaiting_payment(81)
        order = order_for_application(application=app, actor=app.applicant, years=1)
        voucher = voucher_upload(order=order, actor=app.applicant,
                                 uploaded=SimpleUploadedFile("v.png", PNG))
        voucher_decide(voucher=voucher, actor=finance, accept=True)
    response = _client(app.applicant).post(f"/member/orders/{order.number}/invoice/", {
        "reissue_of": "abc", "title": "某某公司", "name": "张三", "phone": "13900000081",
        "email": "a@example.test", "reason": "抬头有误"})
    assert response.status_code == 400
    assert "要重开的收据无效。" in response.content.decode()
    with schema_context("alpha"):
        assert not InvoiceRequest.objects.filter(order=order).exists()


def test_statement_line_that_is_not_a_number(alpha, finance):
    with schema_context("alpha"):
        app = _awaiting_payment(82)
        order = order_for_application(application=app, actor=app.applicant, years=1)
        statement_import(actor=finance, name="流水.csv", content=(
            "交易日期,贷方金额,对方户名,附言\n2026-11-21,50.00,某人,会员费\n").encode("gb18030"))
        assert StatementLine.objects.filter(status="doubtful").count() == 1
    response = _client(finance).post("/finance/statements/", {
        "line": "abc", "order": order.number})
    assert response.status_code == 400
    assert "银行流水行无效。" in response.content.decode()
    with schema_context("alpha"):
        assert StatementLine.objects.filter(status="doubtful").count() == 1
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING
