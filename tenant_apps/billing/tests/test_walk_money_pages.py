"""What a member reads on the money pages walking the demo (issue 9 follow-ups)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.models import Status
from tenant_apps.applications.services import application_start, application_submit
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.billing.models import Order
from tenant_apps.configuration.models import MemberType
from tenants.models import Association
from tenants.services import association_create

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def _association(slug, profile, name):
    if not Association.objects.filter(slug=slug).exists():
        association_create(acting_user=None, name=name, slug=slug, profile=profile,
                           admin_name="Admin", admin_email=f"a@{slug}.test",
                           admin_password="Admin-passw0rd-2026")


def _submitted(code):
    """A pay-first application just submitted (CMES 普通会员, CACEM unit)."""
    mtype = MemberType.objects.get(code=code)
    app = application_start(applicant=applicant(), member_type=mtype,
                            rank=mtype.ranks.first())
    complete(app)
    app = application_submit(application=app, actor=app.applicant)
    assert app.status == Status.AWAITING_PAYMENT
    return app


def _order_page(slug, app):
    client = Client(HTTP_HOST=f"{slug}.localhost")
    client.force_login(app.applicant, backend=BACKEND)
    response = client.post("/member/pay/", {"years": "1"})
    order = Order.objects.get(application=app)
    assert response["Location"] == f"/member/orders/{order.number}/"
    return client, order, client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("slug,profile,name,code,account", [
    ("cmeswalk", "cmes", "中国机械工程学会", "regular", "中国机械工程学会（演示账户）"),
    ("cacemwalk", "cacem", "中国施工企业管理协会", "unit", "中国施工企业管理协会（演示账户）"),
])
def test_cmes_and_cacem_members_can_transfer_and_upload_a_voucher(db, slug, profile, name,
                                                                   code, account):
    _association(slug, profile, name)
    with schema_context(slug):
        app = _submitted(code)
        _client, order, page = _order_page(slug, app)
    assert account in page
    assert "演示银行北京分行（演示用，请勿汇款）" in page
    assert "上传汇款凭证" in page and "提交凭证" in page
    assert order.transfer_reference in page


@pytest.mark.parametrize("slug,profile,name,code", [
    ("cmeswalk", "cmes", "中国机械工程学会", "regular"),
    ("cacemwalk", "cacem", "中国施工企业管理协会", "unit"),
])
def test_pay_first_member_centre_does_not_say_approved(db, slug, profile, name, code):
    _association(slug, profile, name)
    with schema_context(slug):
        app = _submitted(code)
        client = Client(HTTP_HOST=f"{slug}.localhost")
        client.force_login(app.applicant, backend=BACKEND)
        page = client.get("/member/").content.decode()
    assert "您的入会申请已提交，请缴纳会费，缴费后进入审核。" in page
    assert "已通过" not in page


def _visible(page):
    return re.sub(r' data-copy-text="[^"]*"', "", page)


def _reviewed(code):
    """A review-first application approved and waiting for its fee (CAQ, Jiangsu)."""
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.services import review_decide

    mtype = MemberType.objects.get(code=code)
    app = application_start(applicant=applicant(), member_type=mtype, rank=mtype.ranks.first())
    complete(app)
    app = application_submit(application=app, actor=app.applicant)
    reviewer = user_create(acting_user=None, name="审核", username="walk-reviewer",
                           password="Staff-passw0rd-2026",
                           roles=[Role.REVIEWER, Role.HQ_ADMIN, Role.SECRETARIAT])
    while app.status == Status.IN_REVIEW:
        app = review_decide(application=app, actor=reviewer, decision="approve",
                            expected_position=app.review_position)
    assert app.status == Status.AWAITING_PAYMENT
    return app


def test_caq_transfer_names_the_code_once_and_no_other_types_hint(db):
    from tenant_apps.notifications.models import OutboxMessage

    _association("caqwalk", "caq", "中国质量协会")
    with schema_context("caqwalk"):
        app = _reviewed("unit")
        order = Order.objects.get(application=app)
        code = order.transfer_reference
        email = OutboxMessage.objects.get(recipient=app.applicant, event="payment_required",
                                          channel="email")
        _client, _order, page = _order_page("caqwalk", app)
    assert ("汇款附言请填写识别码：" + code + "（财务按识别码核对到账），并注明项目：会费。"
            ) in email.body
    assert "汇款时请在附言中填写上方的识别码，并注明项目：会费" in page
    assert "请注明项目：会费\n" not in page
    # the 户名/账号/开户行 table only (its copy button carries the same text)
    assert _visible(page).count("0200002809014498969") == 1
    assert "个人会员请选择支付宝付款" not in page


def test_jsgas_bank_details_are_shown_once(db):
    _association("jsgaswalk", "jsgas", "江苏省燃气热力协会")
    with schema_context("jsgaswalk"):
        code = MemberType.objects.order_by("pk").first().code
        app = _reviewed(code)
        _client, _order, page = _order_page("jsgaswalk", app)
    assert _visible(page).count("932019013000733461") == 1
    assert "上传凭证并点击“提交凭证”按钮" in page


def test_a_paid_order_says_so_and_shows_no_deadline(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.tests.helpers import PNG
    from tenant_apps.billing.services import voucher_decide, voucher_upload

    _association("cmeswalk", "cmes", "中国机械工程学会")
    with schema_context("cmeswalk"):
        app = _submitted("regular")
        client, order, pending = _order_page("cmeswalk", app)
        voucher = voucher_upload(order=order, actor=app.applicant,
                                 uploaded=SimpleUploadedFile("v.png", PNG))
        finance = user_create(acting_user=None, name="财务", username="walk-finance",
                              password="Staff-passw0rd-2026", roles=[Role.FINANCE])
        voucher_decide(voucher=voucher, actor=finance, accept=True)
        order.refresh_from_db()
        assert order.status == "confirmed"
        paid = client.get(f"/member/orders/{order.number}/").content.decode()
    assert "付款截止" in pending and "缴费成功！" not in pending
    assert "付款截止" not in paid
    assert "缴费成功！" in paid and "如需发票，请在下方填写发票信息。" in paid
