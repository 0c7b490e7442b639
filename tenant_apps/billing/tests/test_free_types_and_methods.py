"""Free member types owe nothing (no 欠费, no ¥0 renewal); ways to pay appear only when
configured and enabled, and the transfer box names 户名, 账号 and 开户行 with a copy button."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.applications.tests.helpers import PNG, applicant
from tenant_apps.billing.models import Order, Voucher
from tenant_apps.billing.services import order_for_renewal, voucher_upload
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType, PaymentAccount
from tenant_apps.configuration.profile import ProfileError, validate_profile
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.services import membership_activate
from tenants.models import Association
from tenants.services import association_create

YEAR = timezone.localdate().year


def login(alpha, user) -> Client:
    client = alpha.client()
    with schema_context("alpha"):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def test_a_free_student_sees_no_arrears_and_is_offered_no_renewal(alpha):
    with schema_context("alpha"):
        membership = membership_activate(
            acting_user=None, user=applicant(1), member_type=MemberType.objects.get(
                code="student"), rank=None, years=1, answers={"graduation_date": "2030-07-01"})
        # a student who joined two years ago, graduation date since passed
        Membership.objects.filter(pk=membership.pk).update(
            valid_from=dt.date(YEAR - 2, 9, 1), valid_until=dt.date(YEAR - 1, 7, 1))
        person = membership.user
    client = login(alpha, person)
    fees = client.get("/member/fees/").content.decode()
    assert "欠费" not in fees and "¥0" not in fees and 'class="arrears"' not in fees
    home = client.get("/member/").content.decode()
    assert "/member/renew/" not in home
    renew = client.get("/member/renew/")
    assert renew.status_code == 302 and renew["Location"] == "/member/"
    with schema_context("alpha"):
        with pytest.raises(AppError):
            order_for_renewal(membership=membership, actor=person, years=1)
        assert not Order.objects.filter(payer=person).exists()


def test_no_way_to_pay_is_shown_that_is_not_configured(alpha):
    """CMES's profile enables WeChat Pay and Alipay, whose keys are entered later; with its
    (demo) bank account switched off the order page offers nothing, and says so."""
    with schema_context("alpha"):
        PaymentAccount.objects.filter(kind="bank").update(enabled=False)
        membership = membership_activate(acting_user=None, user=applicant(2),
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=membership.user, years=1)
    client = login(alpha, membership.user)
    page = client.get(f"/member/orders/{order.number}/").content.decode()
    assert "银行转账" not in page and "开户行" not in page and "voucher-form" not in page
    assert "微信支付" not in page and "支付宝" not in page
    assert "协会尚未设置缴费方式" in page
    refused = client.post(f"/member/orders/{order.number}/",
                          {"file": SimpleUploadedFile("v.png", PNG)})
    assert refused.status_code == 400 and "本协会不接受银行转账。" in refused.content.decode()
    with schema_context("alpha"):
        assert not Voucher.objects.filter(order=order).exists()
        with pytest.raises(AppError):
            voucher_upload(order=order, actor=membership.user,
                           uploaded=SimpleUploadedFile("v.png", PNG))


def test_the_transfer_box_names_the_account_with_a_copy_button(alpha):
    with schema_context("alpha"):
        connect_bank()
        membership = membership_activate(acting_user=None, user=applicant(3),
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=membership.user, years=1)
    page = login(alpha, membership.user).get(f"/member/orders/{order.number}/")
    html = page.content.decode()
    for text in ("户名", "测试学会", "账号", "0200002809014498969", "开户行",
                 "工商银行北京西四支行", order.transfer_reference):
        assert text in html, text
    assert 'data-copy-target="bank-details"' in html and ">复制<" in html
    assert '<script src="/static/billing/copy.js" defer></script>' in html
    assert "<script>" not in html  # no inline script under the Content-Security-Policy


def test_a_disabled_or_incomplete_bank_account_is_not_shown(alpha):
    with schema_context("alpha"):
        account = connect_bank()
        account.settings = {"account_name": "测试学会", "bank_name": "工商银行"}  # no 账号
        account.save()
        membership = membership_activate(acting_user=None, user=applicant(4),
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=membership.user, years=1)
    html = login(alpha, membership.user).get(f"/member/orders/{order.number}/").content.decode()
    assert "户名" not in html and "voucher-form" not in html


def test_the_overview_warns_and_the_join_page_does_not_offer_fees_without_a_way_to_pay(alpha):
    with schema_context("alpha"):
        PaymentAccount.objects.update(enabled=False)
    overview = alpha.client("hq_admin").get("/manage/config/").content.decode()
    assert "尚未设置缴费方式" in overview and "高级会员" in overview
    join = alpha.client().get("/join/").content.decode()
    assert join.count("协会尚未设置此类会员的缴费方式") == 2  # 普通, 高级; 学生 is free
    data = alpha.client().get("/api/v1/join/").json()
    assert {t["code"]: t["payable"] for t in data["member_types"]} == {
        "student": True, "regular": False, "senior": False}
    with schema_context("alpha"):
        connect_bank()
    join = alpha.client().get("/join/").content.decode()
    assert "协会尚未设置此类会员的缴费方式" not in join
    overview = alpha.client("hq_admin").get("/manage/config/").content.decode()
    assert "尚未设置缴费方式" not in overview


def test_the_overview_warns_of_an_enabled_account_without_its_keys(alpha):
    overview = alpha.client("hq_admin").get("/manage/config/").content.decode()
    assert "微信支付 已启用但尚未配置完整" in overview


def test_the_validator_refuses_fee_types_without_a_way_to_pay_and_a_bank_without_an_account():
    from tenants.profiles import profile_path

    # 个人会员 ¥100, the bank account not enabled
    path = profile_path("generic")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # (its folder: the certificate design's background and seal images are read from there)
    with pytest.raises(ProfileError) as info:
        validate_profile(document, filename="generic.yaml", base_dir=path.parent)
    assert [p for p, _rule in info.value.problems] == ["payment_accounts"]
    document["payment_accounts"][0]["enabled"] = True  # enabled, but no 户名/账号/开户行
    with pytest.raises(ProfileError) as info:
        validate_profile(document, filename="generic.yaml", base_dir=path.parent)
    assert [p for p, _rule in info.value.problems] == [
        "payment_accounts[0].account_name", "payment_accounts[0].account_number",
        "payment_accounts[0].bank_name"]


def test_onboarding_a_society_with_fees_requires_a_bank_account(db):
    with pytest.raises(AppError) as info:
        association_create(acting_user=None, name="某某学会", slug="newsoc", profile="generic",
                           admin_name="管理员", admin_email="a@newsoc.test")
    assert info.value.field == "bank_account_name"
    assert not Association.objects.filter(slug="newsoc").exists()
    association_create(acting_user=None, name="某某学会", slug="newsoc", profile="generic",
                       admin_name="管理员", admin_email="a@newsoc.test",
                       bank_account={"account_name": "某某学会", "account_number": "6222000011",
                                     "bank_name": "建设银行北京分行"})
    with schema_context("newsoc"):
        bank = PaymentAccount.objects.get(kind="bank")
        assert bank.enabled and bank.settings == {"account_name": "某某学会",
                                                  "account_number": "6222000011",
                                                  "bank_name": "建设银行北京分行"}


def test_the_console_asks_for_the_bank_account_of_a_society_with_fees(db):
    from tenant_apps.accounts.models import User

    operator = User.objects.get(username="operator")
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator, backend="tenant_apps.accounts.backends.IdentifierBackend")
    answer = client.post("/console/associations/new/", {
        "name": "某某学会", "slug": "consoler", "profile": "generic", "admin_name": "管理员",
        "admin_email": "a@consoler.test"})
    assert answer.status_code == 400
    assert "此起始配置有收费的会员类型" in answer.content.decode()
    assert not Association.objects.filter(slug="consoler").exists()
