"""The WeChat Pay v3 and Alipay adapters against the local fake gateway: signing, response
verification, notification decryption and verification, query, close, refund."""

from __future__ import annotations

import secrets

import pytest

from huiji.payments import PaymentRequest, rsa
from huiji.payments.alipay import AlipayGateway, raw_response_text
from huiji.payments.base import PaymentError, VerificationError
from huiji.payments.fake_gateway import PLATFORM_SERIAL, FakePaymentGateway
from huiji.payments.wechat import WeChatPayGateway, decrypt_resource, encrypt_resource


@pytest.fixture(scope="module")
def fake():
    gateway = FakePaymentGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def wechat(fake):
    private, public = rsa.new_key_pair()
    api_v3_key = secrets.token_hex(16)
    fake.register_wechat(mchid="1900000109", serial="MERCHANT01", public_key=public,
                         api_v3_key=api_v3_key)
    return WeChatPayGateway(merchant_id="1900000109", app_id="wxd678efh567hg6787",
                            merchant_serial_no="MERCHANT01", merchant_private_key=private,
                            api_v3_key=api_v3_key,
                            platform_public_keys={PLATFORM_SERIAL: fake.platform_public},
                            base_url=fake.url)


@pytest.fixture(scope="module")
def alipay(fake):
    private, public = rsa.new_key_pair()
    fake.register_alipay(app_id="2021000000000001", public_key=public)
    return AlipayGateway(app_id="2021000000000001", app_private_key=private,
                         alipay_public_key=fake.alipay_public,
                         gateway_url=f"{fake.url}/gateway.do")


def request(number: str, scene: str, amount: int = 5000) -> PaymentRequest:
    return PaymentRequest(order_number=number, amount_fen=amount, description="会费",
                          notify_url="http://127.0.0.1:9/notify", scene=scene)


def test_wechat_native_h5_jsapi(wechat, fake):
    assert wechat.start(request("W1", "native")).qr_code.endswith("/scan/wechat/W1")
    assert wechat.start(request("W2", "h5")).redirect_url.endswith("/scan/wechat/W2")
    jsapi = wechat.start(request("W3", "jsapi")).jsapi
    assert jsapi["package"].startswith("prepay_id=") and jsapi["signType"] == "RSA"
    assert fake.trades["W1"]["amount"] == 5000


def test_wechat_query_close_refund(wechat, fake):
    wechat.start(request("W4", "native", 10000))
    assert wechat.query("W4").state == "pending"
    fake.pay("W4", send=False)
    result = wechat.query("W4")
    assert (result.state, result.amount_fen) == ("paid", 10000)
    assert wechat.refund("W4", "R4", 10000, 10000).state == "success"
    wechat.start(request("W5", "native"))
    wechat.close("W5")
    assert wechat.query("W5").state == "closed"


def test_wechat_notification_is_verified_and_decrypted(wechat, fake):
    wechat.start(request("W6", "native", 20000))
    fake.pay("W6", send=False)
    headers, body = fake.notification("W6")
    notification = wechat.verify_notification(headers, body)
    assert (notification.order_number, notification.amount_fen, notification.paid,
            notification.merchant) == ("W6", 20000, True, "1900000109")
    bad_headers, bad_body = fake.notification("W6", tamper=True)
    with pytest.raises(VerificationError):
        wechat.verify_notification(bad_headers, bad_body)
    with pytest.raises(VerificationError):  # a changed body breaks the signature
        wechat.verify_notification(headers, body.replace(b"TRANSACTION.SUCCESS",
                                                         b"TRANSACTION.REFUND"))


def test_wechat_refuses_an_unsigned_or_wrongly_signed_response(wechat, fake):
    other_private, _other_public = rsa.new_key_pair()
    impostor = WeChatPayGateway(
        merchant_id="1900000109", app_id="wx", merchant_serial_no="MERCHANT01",
        merchant_private_key=other_private, api_v3_key="x" * 32,
        platform_public_keys={PLATFORM_SERIAL: fake.platform_public}, base_url=fake.url)
    with pytest.raises(PaymentError, match="SIGN_ERROR"):
        impostor.start(request("W8", "native"))
    _private, wrong_platform = rsa.new_key_pair()
    trusting_wrong_key = WeChatPayGateway(
        merchant_id=wechat.merchant_id, app_id=wechat.app_id, merchant_serial_no="MERCHANT01",
        merchant_private_key=wechat.private_key, api_v3_key=wechat.api_v3_key,
        platform_public_keys={PLATFORM_SERIAL: wrong_platform}, base_url=fake.url)
    with pytest.raises(VerificationError):
        trusting_wrong_key.start(request("W9", "native"))


def test_aead_round_trip_and_wrong_key():
    resource = encrypt_resource("k" * 32, {"out_trade_no": "X"})
    assert decrypt_resource("k" * 32, resource) == {"out_trade_no": "X"}
    with pytest.raises(VerificationError):
        decrypt_resource("j" * 32, resource)


def test_alipay_precreate_page_query_close_refund(alipay, fake):
    assert alipay.start(request("A1", "precreate", 48000)).qr_code.endswith("/scan/alipay/A1")
    page = alipay.start(request("A2", "page"))
    assert page.redirect_url.startswith(f"{fake.url}/gateway.do?")
    assert alipay.query("A1").state == "pending"
    assert alipay.query("NOPE").state == "pending"
    fake.pay("A1", send=False)
    assert (alipay.query("A1").state, alipay.query("A1").amount_fen) == ("paid", 48000)
    assert alipay.refund("A1", "R1", 48000, 48000).state == "success"
    alipay.start(request("A3", "precreate"))
    alipay.close("A3")
    assert alipay.query("A3").state == "closed"


def test_alipay_notification_verification(alipay, fake):
    alipay.start(request("A4", "precreate", 500000))
    fake.pay("A4", send=False)
    headers, body = fake.notification("A4")
    notification = alipay.verify_notification(headers, body)
    assert (notification.amount_fen, notification.paid, notification.merchant) == (
        500000, True, "2021000000000001")
    _headers, tampered = fake.notification("A4", tamper=True)
    with pytest.raises(VerificationError):
        alipay.verify_notification({}, tampered)


def test_alipay_response_signature_covers_the_raw_text(alipay):
    body = '{"alipay_trade_query_response":{"code":"10000","msg":"Success","a":"{x}"},"sign":"s"}'
    assert raw_response_text(body, "alipay_trade_query_response") == \
        '{"code":"10000","msg":"Success","a":"{x}"}'
    _private, wrong_public = rsa.new_key_pair()
    distrustful = AlipayGateway(app_id=alipay.app_id, app_private_key=alipay.private_key,
                                alipay_public_key=wrong_public, gateway_url=alipay.gateway_url)
    with pytest.raises(VerificationError):
        distrustful.query("A1")
