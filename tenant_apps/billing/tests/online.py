"""Test helpers: an association's WeChat Pay and Alipay accounts wired to the fake gateway."""

from __future__ import annotations

import secrets

from huiji.payments import rsa
from huiji.payments.fake_gateway import PLATFORM_SERIAL, FakePaymentGateway
from tenant_apps.configuration.models import PaymentAccount
from tenant_apps.configuration.services import payment_secret_set

MCHID, WX_APPID, ALIPAY_APPID = "1900000109", "wxd678efh567hg6787", "2021000000000001"
WX_APP_SECRET = "fake-official-account-secret"


def connect_accounts(fake: FakePaymentGateway) -> None:
    """In the current association's schema: enable WeChat Pay and Alipay against `fake`."""
    merchant_private, merchant_public = rsa.new_key_pair()
    api_v3_key = secrets.token_hex(16)
    fake.register_wechat(mchid=MCHID, serial="MERCHANT01", public_key=merchant_public,
                         api_v3_key=api_v3_key, app_id=WX_APPID, app_secret=WX_APP_SECRET)
    wechat, _ = PaymentAccount.objects.update_or_create(kind="wechat", defaults={
        "display_name": "微信支付", "enabled": True,
        "settings": {"merchant_id": MCHID, "app_id": WX_APPID,
                     "merchant_serial_no": "MERCHANT01", "platform_serial_no": PLATFORM_SERIAL,
                     "gateway_url": fake.url}})
    for name, value in (("merchant_private_key", merchant_private), ("api_v3_key", api_v3_key),
                        ("platform_public_key", fake.platform_public),
                        ("app_secret", WX_APP_SECRET)):
        payment_secret_set(acting_user=None, account=wechat, name=name, value=value)
    app_private, app_public = rsa.new_key_pair()
    fake.register_alipay(app_id=ALIPAY_APPID, public_key=app_public)
    alipay, _ = PaymentAccount.objects.update_or_create(kind="alipay", defaults={
        "display_name": "支付宝", "enabled": True,
        "settings": {"app_id": ALIPAY_APPID, "gateway_url": f"{fake.url}/gateway.do"}})
    for name, value in (("app_private_key", app_private),
                        ("alipay_public_key", fake.alipay_public)):
        payment_secret_set(acting_user=None, account=alipay, name=name, value=value)


BANK = {"account_name": "测试学会", "account_number": "0200002809014498969",
        "bank_name": "工商银行北京西四支行"}


def connect_bank() -> PaymentAccount:
    """In the current association's schema: enable the bank account members transfer to."""
    account, _ = PaymentAccount.objects.update_or_create(kind="bank", defaults={
        "display_name": "对公转账", "enabled": True, "settings": dict(BANK)})
    return account
