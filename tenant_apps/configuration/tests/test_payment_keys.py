"""Keys pasted on the payment accounts page: what Alipay's key tool and WeChat Pay hand out
(PEM, or bare base64 PKCS#1 / PKCS#8) is taken; anything else is refused with what is wrong,
a 400, and nothing saved."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from django_tenants.utils import schema_context

from huiji.payments import rsa
from tenant_apps.configuration.crypto import decrypt
from tenant_apps.configuration.models import PaymentAccount

pytestmark = pytest.mark.django_db


def bare_pkcs1(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), None)
    return base64.b64encode(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())).decode()


ALIPAY = "/manage/config/payments/alipay/"  # the association's Alipay account


def alipay_form(**secrets) -> dict:
    return {"display_name": "支付宝（新）", "enabled": "on",
            "setting_app_id": "2021000000000001", **secrets}


def stored(kind: str) -> tuple:
    with schema_context("alpha"):
        account = PaymentAccount.objects.get(kind=kind)
        return account.display_name, account.settings, account.secrets


def test_bare_base64_keys_from_alipays_key_tool_are_saved(alpha):
    private, public = rsa.new_key_pair()
    client = alpha.client("hq_admin")
    response = client.post(ALIPAY, alipay_form(
        secret_app_private_key=bare_pkcs1(private),
        secret_alipay_public_key="".join(public.strip().splitlines()[1:-1])))
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("alpha"):
        account = PaymentAccount.objects.get(kind="alipay")
        assert decrypt(account.secrets["app_private_key"]) == bare_pkcs1(private)
        assert rsa.verify(public, "x", rsa.sign(decrypt(account.secrets["app_private_key"]),
                                                "x"))


@pytest.mark.parametrize(("secrets", "field", "message"), [
    ({"secret_app_private_key": "MIIEowIBAAKCAQEA-not-base64"}, "app_private_key",
     "这不是 RSA 密钥。请粘贴 PEM 格式（从 -----BEGIN 到 -----END 的全部内容），"
     "或支付宝密钥工具生成的纯 base64 文本。"),
    ({"secret_app_private_key": "PUBLIC"}, "app_private_key",
     "这是公钥或证书，此处应填写私钥。"),
    ({"secret_alipay_public_key": "PRIVATE"}, "alipay_public_key",
     "这是私钥，此处应填写公钥。私钥请自行妥善保管。"),
])
def test_a_key_that_cannot_work_is_refused_and_nothing_saved(alpha, secrets, field, message):
    private, public = rsa.new_key_pair()
    secrets = {k: {"PUBLIC": public, "PRIVATE": private}.get(v, v) for k, v in secrets.items()}
    client = alpha.client("hq_admin")
    before = stored("alipay")
    response = client.post(ALIPAY, alipay_form(**secrets))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    for pasted in secrets.values():  # a pasted key is never shown back, even after an error
        assert max(pasted.strip().splitlines(), key=len) not in page
    assert stored("alipay") == before


def test_a_short_apiv3_key_is_refused_on_an_existing_account(alpha):
    client = alpha.client("hq_admin")
    assert client.post("/manage/config/payments/wechat/", {
        "display_name": "微信支付", "enabled": "on", "setting_merchant_id": "1900000109",
        "setting_app_id": "wxd678efh567hg6787", "secret_api_v3_key": "A" * 32}
    ).status_code == 302
    response = client.post("/manage/config/payments/wechat/", {
        "display_name": "微信支付（改）", "enabled": "on", "setting_merchant_id": "1900000109",
        "setting_app_id": "wxd678efh567hg6787", "secret_api_v3_key": "short"})
    assert response.status_code == 400
    assert "APIv3 密钥为 32 个字符。" in response.content.decode()
    with schema_context("alpha"):
        account = PaymentAccount.objects.get(kind="wechat")
        assert account.display_name == "微信支付"
        assert decrypt(account.secrets["api_v3_key"]) == "A" * 32
