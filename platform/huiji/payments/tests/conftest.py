"""The fake gateway and two merchants wired to it (a WeChat Pay merchant and an Alipay app),
for the protocol and conformance tests of this package."""

from __future__ import annotations

import secrets

import pytest

from huiji.payments import rsa
from huiji.payments.alipay import AlipayGateway
from huiji.payments.fake_gateway import PLATFORM_SERIAL, FakePaymentGateway
from huiji.payments.wechat import WeChatPayGateway

MCHID, WX_APPID, WX_APP_SECRET = "1900000109", "wxd678efh567hg6787", "fake-app-secret-0001"
ALIPAY_APPID = "2021000000000001"


@pytest.fixture(scope="module")
def fake():
    gateway = FakePaymentGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def wechat_keys(fake):
    private, public = rsa.new_key_pair()
    api_v3_key = secrets.token_hex(16)
    fake.register_wechat(mchid=MCHID, serial="MERCHANT01", public_key=public,
                         api_v3_key=api_v3_key, app_id=WX_APPID, app_secret=WX_APP_SECRET)
    return {"private": private, "public": public, "api_v3_key": api_v3_key}


@pytest.fixture(scope="module")
def wechat(fake, wechat_keys):
    return WeChatPayGateway(merchant_id=MCHID, app_id=WX_APPID,
                            merchant_serial_no="MERCHANT01",
                            merchant_private_key=wechat_keys["private"],
                            api_v3_key=wechat_keys["api_v3_key"],
                            platform_public_keys={PLATFORM_SERIAL: fake.platform_public},
                            base_url=fake.url)


@pytest.fixture(scope="module")
def alipay_keys(fake):
    private, public = rsa.new_key_pair()
    fake.register_alipay(app_id=ALIPAY_APPID, public_key=public)
    return {"private": private, "public": public}


@pytest.fixture(scope="module")
def alipay(fake, alipay_keys):
    return AlipayGateway(app_id=ALIPAY_APPID, app_private_key=alipay_keys["private"],
                         alipay_public_key=fake.alipay_public,
                         gateway_url=f"{fake.url}/gateway.do")
