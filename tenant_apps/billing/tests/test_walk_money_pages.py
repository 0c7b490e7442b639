"""What a member reads on the money pages walking the demo (issue 9 follow-ups)."""

from __future__ import annotations

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
