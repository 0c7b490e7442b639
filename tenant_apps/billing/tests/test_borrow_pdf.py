"""The borrowing request PDF prints the receipt details the member typed, as text."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.tests.helpers import applicant, pdf_images, pdf_text
from tenant_apps.billing.models import InvoiceRequest
from tenant_apps.billing.services import order_for_renewal
from tenant_apps.configuration.models import AssociationSettings, MemberType
from tenant_apps.memberships.services import membership_activate


@pytest.mark.django_db
def test_borrow_pdf_prints_a_title_with_markup_as_text(alpha):
    with schema_context("alpha"):
        # Lend receipts before payment, as CAQ does.
        assert AssociationSettings.objects.update(invoice_borrowing=True) == 1
        member = applicant(71)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
    client = Client(HTTP_HOST=alpha.host)
    with schema_context("alpha"):
        client.force_login(member, backend="tenant_apps.accounts.backends.IdentifierBackend")
    response = client.post(f"/member/orders/{order.number}/invoice/", {
        "borrow": "1", "title": "探针<b>借票单位", "name": "王五<br>", "phone": "13912345678",
        "email": "wangwu@example.test", "address": "北京市<font size=100>西城区"})
    assert response.status_code == 302
    with schema_context("alpha"):
        request = InvoiceRequest.objects.get(order=order, kind="borrow")
    response = client.get(f"/member/orders/{order.number}/invoice/{request.pk}/borrow.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for typed in ("探针<b>借票单位", "王五<br>", "北京市<font size=100>西城区"):
        assert typed in text
    assert pdf_images(response.content) == []
