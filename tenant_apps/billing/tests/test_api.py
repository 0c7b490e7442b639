from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.tests.helpers import PNG, applicant
from tenant_apps.billing.models import Voucher
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate


@pytest.mark.django_db
def test_renewal_through_the_api_with_a_voucher_confirmed_by_finance(alpha):
    with schema_context("alpha"):
        connect_bank()
        member = applicant(90)
        membership_activate(acting_user=None, user=member,
                            member_type=MemberType.objects.get(code="regular"), rank=None,
                            years=1)
        client = Client(HTTP_HOST=alpha.host)
        client.force_login(member, backend="tenant_apps.accounts.backends.IdentifierBackend")
    made = client.post("/api/v1/orders/", {"kind": "renewal", "years": 2},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    assert made.json()["amount_fen"] == 10000
    bad = client.post(f"/api/v1/orders/{number}/pay/", {"method": "wechat", "scene": "native"},
                      content_type="application/json")
    assert bad.status_code == 400  # no enabled WeChat account in alpha
    up = client.post(f"/api/v1/orders/{number}/voucher/",
                     {"file": SimpleUploadedFile("v.png", PNG)})
    assert up.status_code == 201 and up.json()["status"] == "awaiting_confirmation"
    with schema_context("alpha"):
        voucher = Voucher.objects.get(order__number=number)
    finance = alpha.client("finance")
    decided = finance.post(f"/api/v1/finance/vouchers/{voucher.pk}/", {"accept": True},
                           content_type="application/json")
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    assert alpha.client("member").get(f"/api/v1/orders/{number}/").status_code == 404


@pytest.mark.django_db
def test_billing_endpoints_are_in_the_openapi_schema(alpha):
    schema = yaml.safe_load(Client(HTTP_HOST=alpha.host).get("/api/schema/").content)
    assert {"/api/v1/orders/", "/api/v1/orders/{number}/pay/", "/api/v1/orders/{number}/voucher/",
            "/api/v1/orders/{number}/invoice/", "/api/v1/finance/vouchers/{id}/"} \
        <= set(schema["paths"])


@pytest.mark.django_db
@pytest.mark.parametrize(("payer_name", "error"), [
    ("王\x00五", {"code": "nul_character", "message": "不能包含空字符（NUL）。"}),
    ("长" * 201, {"code": "invalid_input", "field": "payer_name",
                 "message": "确保该变量包含不超过 200 字符 (目前字符数 201)。"})])
def test_a_voucher_with_an_unstorable_payer_name_is_refused_and_nothing_is_kept(
        alpha, payer_name, error):
    with schema_context("alpha"):
        connect_bank()
        member = applicant(91)
        membership_activate(acting_user=None, user=member,
                            member_type=MemberType.objects.get(code="regular"), rank=None,
                            years=1)
        client = Client(HTTP_HOST=alpha.host)
        client.force_login(member, backend="tenant_apps.accounts.backends.IdentifierBackend")
    number = client.post("/api/v1/orders/", {"kind": "renewal", "years": 1},
                         content_type="application/json").json()["number"]
    up = client.post(f"/api/v1/orders/{number}/voucher/",
                     {"file": SimpleUploadedFile("v.png", PNG), "payer_name": payer_name})
    assert up.status_code == 400
    assert up.json()["error"] == error
    page = client.post(f"/member/orders/{number}/",
                       {"file": SimpleUploadedFile("v.png", PNG), "payer_name": payer_name})
    assert page.status_code == 400
    with schema_context("alpha"):
        assert not Voucher.objects.filter(order__number=number).exists()
