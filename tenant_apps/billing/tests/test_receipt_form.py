"""The receipt (发票/收据) and voucher forms of an order page: a refused request keeps what
was typed, shown beside its field; a unit's receipt starts made out to the unit (its name
and credit code), not to the person handling it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import (
    application_save_step,
    application_start,
    application_submit,
)
from tenant_apps.applications.tests.helpers import PNG, VALID_USCC, applicant, complete
from tenant_apps.billing.models import InvoiceRequest
from tenant_apps.billing.services import (
    order_for_application,
    order_for_renewal,
    voucher_decide,
    voucher_upload,
)
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate
from tenants.models import Association
from tenants.services import association_create


def _client(host: str, user) -> Client:
    client = Client(HTTP_HOST=host)
    with schema_context(host.split(".")[0]):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def _finance(name: str):
    return user_create(acting_user=None, name="财务", username=name,
                       password="Staff-passw0rd-2026", roles=[Role.FINANCE])


def _paid(order, payer, finance):
    voucher = voucher_upload(order=order, actor=payer, uploaded=SimpleUploadedFile("v.png",
                                                                                    PNG))
    voucher_decide(voucher=voucher, actor=finance, accept=True)
    order.refresh_from_db()
    return order


@pytest.mark.django_db
def test_a_refused_receipt_request_keeps_every_field_typed(alpha):
    with schema_context("alpha"):
        connect_bank()
        member = applicant(320, name="王五")
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = _paid(order_for_renewal(membership=membership, actor=member, years=1),
                      member, _finance("fin-320"))
    client = _client(alpha.host, member)
    typed = {"title": "机械工业出版社", "tax_id": "91110000600001760W", "name": "赵六",
             "phone": "13912345678", "email": "zhaoliu@example.test",
             "address": "北京市西城区百万庄大街22号", "postcode": "100037", "note": "请尽快"}
    response = client.post(f"/member/orders/{order.number}/invoice/", typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "不是有效的统一社会信用代码或纳税人识别号。" in page
    for value in typed.values():
        assert f'value="{value}"' in page, value
    with schema_context("alpha"):
        assert not InvoiceRequest.objects.filter(order=order).exists()
    fixed = client.post(f"/member/orders/{order.number}/invoice/", {**typed,
                                                                    "tax_id": VALID_USCC})
    assert fixed.status_code == 302
    with schema_context("alpha"):
        assert InvoiceRequest.objects.get(order=order).title == "机械工业出版社"


@pytest.mark.django_db
def test_a_refused_voucher_keeps_remitter_and_note(alpha):
    with schema_context("alpha"):
        connect_bank()
        member = applicant(321)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
    client = _client(alpha.host, member)
    response = client.post(f"/member/orders/{order.number}/", {
        "payer_name": "北京某某科技有限公司", "note": "2026年会费",
        "file": SimpleUploadedFile("v.exe", b"MZ\x90\x00" + b"0" * 64)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="北京某某科技有限公司"' in page and 'value="2026年会费"' in page


@pytest.mark.django_db
def test_a_units_receipt_is_made_out_to_the_unit(db):
    if not Association.objects.filter(slug="cacem").exists():
        association_create(acting_user=None, name="中国施工企业管理协会", slug="cacem",
                           profile="cacem", admin_name="Admin", admin_email="a@cacem.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("cacem"):
        connect_bank()
        handler = applicant(322, name="经办人孙七")
        mtype = MemberType.objects.get(code="unit")
        app = application_start(applicant=handler, member_type=mtype,
                                rank=mtype.ranks.get(code="regular"))
        complete(app)
        application_save_step(application=app, actor=handler, step_index=0, finish=True,
                              data={"company_name": "中建八局第三建设有限公司",
                                    "credit_code": VALID_USCC, "handler_name": "孙七",
                                    "mobile": "13912345678"})
        app = application_submit(application=app, actor=handler)
        assert app.status == Status.AWAITING_PAYMENT  # CACEM: pay, then the review
        order = _paid(order_for_application(application=app, actor=handler, years=1),
                      handler, _finance("fin-322"))
    page = _client("cacem.localhost", handler).get(
        f"/member/orders/{order.number}/").content.decode()
    assert 'id="id_title" name="title" value="中建八局第三建设有限公司"' in page
    assert f'id="id_tax_id" name="tax_id" value="{VALID_USCC}"' in page
    assert 'name="title" value="经办人孙七"' not in page
    assert 'id="id_inv_name" name="name" value="经办人孙七"' in page  # who asks: the contact
