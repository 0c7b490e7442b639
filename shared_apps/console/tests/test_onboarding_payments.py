"""Onboarding with WeChat Pay and Alipay: the credentials are checked against the (fake)
gateway before anything is created, and the new association takes online payments at once."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.payments import rsa
from huiji.payments.fake_gateway import PLATFORM_SERIAL, FakePaymentGateway
from tenant_apps.configuration.models import ConfigurationRevision
from tenant_apps.configuration.selectors import payment_methods
from tenants.models import Association
from tests.harness import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def gateway():
    fake = FakePaymentGateway().start()
    yield fake
    fake.stop()


@pytest.fixture
def operator(db) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"username": "operator", "password": PASSWORD}).status_code \
        == 302
    return client


def _merchant(gateway) -> dict:
    """A WeChat Pay merchant and an Alipay app registered with the fake gateway, as the
    operator would type them."""
    mchid = f"19{secrets.randbelow(10**8):08d}"
    merchant_private, merchant_public = rsa.new_key_pair()
    api_v3_key = secrets.token_hex(16)
    gateway.register_wechat(mchid=mchid, serial="MERCHANT77", public_key=merchant_public,
                            api_v3_key=api_v3_key)
    app_id = f"2021{secrets.randbelow(10**12):012d}"
    app_private, app_public = rsa.new_key_pair()
    gateway.register_alipay(app_id=app_id, public_key=app_public)
    return {
        "wechat_merchant_id": mchid, "wechat_app_id": "wx1234567890abcdef",
        "wechat_merchant_serial_no": "MERCHANT77",
        "wechat_merchant_private_key": merchant_private, "wechat_api_v3_key": api_v3_key,
        "wechat_platform_serial_no": PLATFORM_SERIAL,
        "wechat_platform_public_key": gateway.platform_public, "wechat_gateway_url": gateway.url,
        "alipay_app_id": app_id, "alipay_app_private_key": app_private,
        "alipay_public_key": gateway.alipay_public,
        "alipay_gateway_url": f"{gateway.url}/gateway.do",
    }


def _onboard(operator, slug: str, **payment):
    return operator.post("/console/associations/new/", {
        "name": "某某学会", "slug": slug, "profile": "generic", "admin_name": "管理员",
        "admin_email": f"admin@{slug}.test", **payment})


def test_online_accounts_checked_and_ready(operator, gateway):
    response = _onboard(operator, "onlinepay", **_merchant(gateway))
    assert response.status_code == 200, response.content.decode()
    assert "某某学会 已开通" in response.content.decode()
    with schema_context("onlinepay"):
        methods = payment_methods()
        assert methods.wechat is not None and methods.alipay is not None
        assert methods.bank is None
        # The operator has no account in the new schema: the first revision and the audit
        # rows there name them by label, never by an id that is one of the new accounts'.
        revision = ConfigurationRevision.objects.get(number=1)
        assert revision.created_by is None
        created = AuditEntry.objects.get(action="account.created")
        assert created.actor is None
        assert created.actor_label == "Operator (platform operator)"
        assert AuditEntry.objects.filter(action="payment_account.secret_set").count() == 5


@pytest.mark.parametrize(("change", "field_message"), [
    ({"wechat_platform_public_key": "WRONG"}, "这不是 RSA 密钥。"),
    ({"wechat_merchant_private_key": rsa.new_key_pair()[1]}, "这是公钥或证书，此处应填写私钥。"),
    ({"wechat_api_v3_key": "short"}, "APIv3 密钥为 32 个字符。"),
    ({"wechat_app_id": ""}, "请填写该支付账户的每一项，或全部留空。"),
    ({"wechat_merchant_serial_no": "NOTREGISTERED"}, "微信支付拒绝了请求（SIGN_ERROR 签名错误）"),
    ({"wechat_platform_public_key": rsa.new_key_pair()[1]}, "微信支付的应答无法用该平台公钥"),
    ({"alipay_public_key": rsa.new_key_pair()[1]}, "支付宝的应答无法用该支付宝公钥验证"),
    ({"alipay_app_private_key": rsa.new_key_pair()[0]},
     "支付宝拒绝了请求（isv.invalid-signature 验签出错"),
    ({"alipay_app_id": "2021999999999999"},
     "支付宝拒绝了请求（isv.invalid-app-id 无效的AppID参数）"),
])
def test_wrong_credentials_are_refused_and_nothing_is_created(operator, gateway, change,
                                                              field_message):
    payment = {**_merchant(gateway), **change}
    response = _onboard(operator, "wrongpay", **payment)
    assert response.status_code == 400
    page = response.content.decode()
    assert field_message in page
    assert 'class="field has-error"' in page
    assert not Association.objects.filter(slug="wrongpay").exists()
