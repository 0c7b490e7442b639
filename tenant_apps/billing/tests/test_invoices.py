"""Fee receipts: requested after paying, issued by finance, emailed, re-issued."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.tests.helpers import PDF, PNG, VALID_USCC, applicant
from tenant_apps.billing.invoices import invoice_issue, invoice_reissue, invoice_request
from tenant_apps.billing.models import InvoiceRequest
from tenant_apps.billing.services import order_for_renewal, voucher_decide, voucher_upload
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate
from tenant_apps.notifications.models import OutboxMessage
from tenant_apps.notifications.services import outbox_send

DETAILS = {"title": "机械工业出版社", "tax_id": VALID_USCC, "name": "王五",
           "phone": "13912345678", "email": "wangwu@example.test", "address": "北京市西城区",
           "postcode": "100037", "note": ""}


@pytest.fixture
def paid_order(alpha):
    with schema_context("alpha"):
        connect_bank()
        member = applicant(40)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
        voucher = voucher_upload(order=order, actor=member,
                                 uploaded=SimpleUploadedFile("v.png", PNG))
        finance = user_create(acting_user=None, name="财务", username="fin-inv",
                              password="Staff-passw0rd-2026", roles=[Role.FINANCE])
        voucher_decide(voucher=voucher, actor=finance, accept=True)
        order.refresh_from_db()
        yield order, finance


@pytest.mark.parametrize(("field", "value"), [
    ("tax_id", "91110000600001760W"), ("phone", "123"), ("email", "no"),
    ("postcode", "1000"), ("title", "")])
def test_bad_details_are_refused_with_the_field(paid_order, field, value):
    order, _finance = paid_order
    with pytest.raises(AppError) as info:
        invoice_request(order=order, actor=order.payer, details={**DETAILS, field: value})
    assert info.value.field == field
    assert not InvoiceRequest.objects.exists()


def test_request_issue_email_and_reissue(paid_order):
    order, finance = paid_order
    request = invoice_request(order=order, actor=order.payer, details=DETAILS)
    with pytest.raises(AppError) as info:  # one open request at a time
        invoice_request(order=order, actor=order.payer, details=DETAILS)
    assert info.value.code == "invoice_open"
    with pytest.raises(AppError):  # a receipt is a PDF
        invoice_issue(request=request, actor=finance,
                      uploaded=SimpleUploadedFile("r.png", PNG))
    invoice_issue(request=request, actor=finance,
                  uploaded=SimpleUploadedFile("电子票据.pdf", PDF))
    email = OutboxMessage.objects.get(event="invoice_issued", channel="email")
    assert outbox_send(email.pk) == "sent"
    assert mail.outbox[-1].attachments[0][0] == "电子票据.pdf"
    # to the address typed in the receipt form, not the account's
    assert mail.outbox[-1].to == ["wangwu@example.test"]
    request.refresh_from_db()
    again = invoice_reissue(request=request, actor=order.payer,
                            details={**DETAILS, "title": "机械工业出版社有限公司"},
                            reason="抬头有误")
    assert (again.reissue_of, again.reason) == (request, "抬头有误")


def test_no_receipt_before_payment_or_for_free_types(alpha):
    with schema_context("alpha"):
        member = applicant(41)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
        with pytest.raises(AppError) as info:
            invoice_request(order=order, actor=member, details=DETAILS)
        assert info.value.code == "not_paid"


@pytest.mark.django_db
def test_caq_lends_the_receipt_before_payment_against_a_stamped_request(db):
    from tenant_apps.billing.invoices import borrow_request_pdf, invoice_stamped_upload
    from tenants.models import Association
    from tenants.services import association_create

    if not Association.objects.filter(slug="caq").exists():
        association_create(acting_user=None, name="中国质量协会", slug="caq", profile="caq",
                           admin_name="Admin", admin_email="a@caq.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("caq"):
        unit = MemberType.objects.get(code="unit")
        member = applicant(42)
        membership = membership_activate(acting_user=None, user=member, member_type=unit,
                                         rank=unit.ranks.get(code="regular"), years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
        request = invoice_request(order=order, actor=member, details=DETAILS, borrow=True)
        assert request.kind == "borrow"
        pdf = borrow_request_pdf(request)
        assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf
        finance = user_create(acting_user=None, name="财务", username="fin-caq",
                              password="Staff-passw0rd-2026", roles=[Role.FINANCE])
        with pytest.raises(AppError) as info:  # not before the stamped request is in
            invoice_issue(request=request, actor=finance,
                          uploaded=SimpleUploadedFile("r.pdf", PDF))
        assert info.value.code == "stamp_missing"
        invoice_stamped_upload(request=request, actor=member,
                               uploaded=SimpleUploadedFile("stamped.png", PNG))
        issued = invoice_issue(request=request, actor=finance,
                               uploaded=SimpleUploadedFile("r.pdf", PDF))
        assert issued.status == "issued"


def test_associations_that_do_not_lend_refuse_borrowing(paid_order, alpha):
    with schema_context("alpha"):
        member = applicant(43)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
        with pytest.raises(AppError) as info:
            invoice_request(order=order, actor=member, details=DETAILS, borrow=True)
        assert info.value.code == "no_borrowing"


def test_my_invoices_lists_own_receipts_with_download(paid_order, alpha):
    from django.test import Client

    order, finance = paid_order
    request = invoice_request(order=order, actor=order.payer, details=DETAILS)
    client = Client(HTTP_HOST=alpha.host)
    client.force_login(order.payer, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get("/member/invoices/").content.decode()
    assert order.number in page and "机械工业出版社" in page and "/files/" not in page
    invoice_issue(request=request, actor=finance, uploaded=SimpleUploadedFile("r.pdf", PDF))
    request.refresh_from_db()
    page = client.get("/member/invoices/").content.decode()
    assert f"/files/{request.receipt.public_id}/" in page
    other = Client(HTTP_HOST=alpha.host)
    other.force_login(finance, backend="tenant_apps.accounts.backends.IdentifierBackend")
    assert order.number not in other.get("/member/invoices/").content.decode()
