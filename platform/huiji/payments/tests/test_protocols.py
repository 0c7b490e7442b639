"""The WeChat Pay v3 and Alipay adapters against the local fake gateway (an independent
implementation of both protocols): signing, response verification, notification decryption
and verification, query, close, refund, JSAPI with WeChat's OAuth, error answers, keys."""

from __future__ import annotations

import base64
import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization

from huiji.payments import PaymentRequest, rsa
from huiji.payments.alipay import AlipayGateway, raw_response_text
from huiji.payments.base import PaymentError, ProviderError, VerificationError
from huiji.payments.fake_gateway import PLATFORM_SERIAL, wechat_encrypt
from huiji.payments.tests.conftest import ALIPAY_APPID, MCHID, WX_APP_SECRET, WX_APPID
from huiji.payments.wechat import (
    WeChatPayGateway,
    decrypt_resource,
    oauth_authorize_url,
    oauth_openid,
)


def request(number: str, scene: str, amount: int = 5000, openid: str = "") -> PaymentRequest:
    return PaymentRequest(order_number=number, amount_fen=amount, description="会费",
                          notify_url="http://127.0.0.1:9/notify", scene=scene, openid=openid)


def payer_openid(fake) -> str:
    """The payer's OpenID through WeChat's OAuth, as the callback view obtains it."""
    authorize = oauth_authorize_url(WX_APPID, "http://caq.localhost:8000/cb/", "s1",
                                    base=fake.url)
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    assert answer.headers["Location"].endswith("&state=s1")
    return oauth_openid(WX_APPID, WX_APP_SECRET, code, base=fake.url)


def test_wechat_native_h5(wechat, fake):
    assert wechat.start(request("W1", "native")).qr_code.endswith("/scan/wechat/W1")
    assert wechat.start(request("W2", "h5")).redirect_url.endswith("/scan/wechat/W2")
    assert fake.trades["W1"]["amount"] == 5000


def test_wechat_jsapi_with_the_openid_from_oauth(wechat, wechat_keys, fake):
    openid = payer_openid(fake)
    assert openid == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    jsapi = wechat.start(request("W3", "jsapi", openid=openid)).jsapi
    assert fake.trades["W3"]["openid"] == openid
    assert jsapi["appId"] == WX_APPID and jsapi["signType"] == "RSA"
    assert jsapi["package"].startswith("prepay_id=wx")
    message = (f"{WX_APPID}\n{jsapi['timeStamp']}\n{jsapi['nonceStr']}\n"
               f"{jsapi['package']}\n")
    assert rsa.verify(wechat_keys["public"], message, jsapi["paySign"])


def test_wechat_jsapi_needs_an_openid_wechat_issued(wechat):
    with pytest.raises(PaymentError, match="OpenID"):
        wechat.start(request("W3a", "jsapi"))
    with pytest.raises(ProviderError) as refused:  # an OpenID WeChat never issued
        wechat.start(request("W3b", "jsapi", openid="oSomeoneElse"))
    assert (refused.value.code, refused.value.verified) == ("PARAM_ERROR", True)


def test_oauth_code_is_good_once_and_needs_the_app_secret(fake, wechat_keys):
    authorize = oauth_authorize_url(WX_APPID, "http://caq.localhost:8000/cb/", "s2",
                                    base=fake.url)
    location = requests.get(authorize, allow_redirects=False, timeout=5).headers["Location"]
    code = location.split("code=")[1].split("&")[0]
    with pytest.raises(ProviderError, match="40125"):
        oauth_openid(WX_APPID, "wrong-secret", code, base=fake.url)
    assert oauth_openid(WX_APPID, WX_APP_SECRET, code, base=fake.url)
    with pytest.raises(ProviderError, match="40029"):
        oauth_openid(WX_APPID, WX_APP_SECRET, code, base=fake.url)


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
            notification.merchant) == ("W6", 20000, True, MCHID)
    bad_headers, bad_body = fake.notification("W6", tamper=True)
    with pytest.raises(VerificationError):
        wechat.verify_notification(bad_headers, bad_body)
    with pytest.raises(VerificationError):  # a changed body breaks the signature
        wechat.verify_notification(headers, body.replace(b"TRANSACTION.SUCCESS",
                                                         b"TRANSACTION.REFUND"))
    with pytest.raises(VerificationError, match="signature type"):
        wechat.verify_notification({**headers, "Wechatpay-Signature-Type": "SM2"}, body)


def test_the_fake_signs_its_answers_with_the_signature_type_header(wechat, fake):
    path = f"/v3/pay/transactions/out-trade-no/NOPE?mchid={MCHID}"
    timestamp, nonce = str(int(time.time())), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    answer = requests.get(fake.url + path, timeout=5, headers={
        "Authorization": wechat.authorization("GET", path, timestamp, nonce, "")})
    assert answer.status_code == 404
    assert answer.headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert answer.headers["Wechatpay-Serial"] == PLATFORM_SERIAL


def test_an_unsigned_error_answer_reports_the_providers_error(wechat, fake):
    other_private, _other_public = rsa.new_key_pair()
    impostor = WeChatPayGateway(
        merchant_id=MCHID, app_id="wx", merchant_serial_no="MERCHANT01",
        merchant_private_key=other_private, api_v3_key="x" * 32,
        platform_public_keys={PLATFORM_SERIAL: fake.platform_public}, base_url=fake.url)
    with pytest.raises(ProviderError) as refused:
        impostor.start(request("W8", "native"))
    # WeChat Pay's own words, not "unknown platform key serial ''"
    assert (refused.value.status, refused.value.code, refused.value.message,
            refused.value.verified) == (401, "SIGN_ERROR", "签名错误", False)
    with pytest.raises(ProviderError) as missing:  # a signed error answer
        wechat.query("NO-SUCH-ORDER")
    assert (missing.value.status, missing.value.code, missing.value.verified) == (
        404, "ORDER_NOT_EXIST", True)


def test_wechat_refuses_a_wrongly_signed_answer(wechat, fake):
    _private, wrong_platform = rsa.new_key_pair()
    trusting_wrong_key = WeChatPayGateway(
        merchant_id=wechat.merchant_id, app_id=wechat.app_id, merchant_serial_no="MERCHANT01",
        merchant_private_key=wechat.private_key, api_v3_key=wechat.api_v3_key,
        platform_public_keys={PLATFORM_SERIAL: wrong_platform}, base_url=fake.url)
    with pytest.raises(VerificationError):
        trusting_wrong_key.start(request("W9", "native"))


def test_aead_round_trip_and_wrong_key():
    resource = wechat_encrypt("k" * 32, '{"out_trade_no":"X"}', "transaction")
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
        500000, True, ALIPAY_APPID)
    _headers, tampered = fake.notification("A4", tamper=True)
    with pytest.raises(VerificationError):
        alipay.verify_notification({}, tampered)


def test_alipay_notification_with_an_empty_parameter_is_accepted(alipay, fake):
    """Alipay signs a notification over every parameter it sends, empty ones included
    (`body=`): verification keeps them, unlike request signing."""
    alipay.start(request("A5", "precreate", 30000))
    fake.pay("A5", send=False)
    headers, body = fake.notification("A5", extra={"body": "", "passback_params": ""})
    assert b"&body=&" in body or body.endswith(b"&body=") or b"body=&" in body
    notification = alipay.verify_notification(headers, body)
    assert (notification.order_number, notification.amount_fen) == ("A5", 30000)
    assert notification.data["body"] == ""
    without = body.replace(b"body=&", b"").replace(b"&body=", b"")
    with pytest.raises(VerificationError):  # dropping the empty value breaks the signature
        alipay.verify_notification(headers, without)


def test_alipay_answer_without_a_charset_is_verified_on_its_utf8_bytes(alipay, fake):
    fake.alipay_content_type = "text/html"  # no charset: requests would read it as Latin-1
    try:
        assert alipay.query("NOT-THERE").state == "pending"  # sub_msg 交易不存在 in Chinese
        alipay.start(request("A6", "precreate", 100))
        assert alipay.query("A6").state == "pending"
    finally:
        fake.alipay_content_type = "text/html;charset=utf-8"


def test_alipay_error_answers_keep_sub_code_and_sub_msg(alipay, fake):
    other_private, _public = rsa.new_key_pair()
    wrong_key = AlipayGateway(app_id=ALIPAY_APPID, app_private_key=other_private,
                              alipay_public_key=fake.alipay_public,
                              gateway_url=alipay.gateway_url)
    with pytest.raises(ProviderError) as refused:
        wrong_key.query("A1")
    assert (refused.value.code, refused.value.sub_code, refused.value.verified) == (
        "40002", "isv.invalid-signature", True)
    assert refused.value.sub_msg.startswith("验签出错")
    assert "isv.invalid-signature" in str(refused.value)
    unknown_app = AlipayGateway(app_id="2021999999999999", app_private_key=other_private,
                                alipay_public_key=fake.alipay_public,
                                gateway_url=alipay.gateway_url)
    with pytest.raises(ProviderError) as unknown:  # error_response, unsigned
        unknown_app.query("A1")
    assert (unknown.value.sub_code, unknown.value.sub_msg, unknown.value.verified) == (
        "isv.invalid-app-id", "无效的AppID参数", False)
    wrong_key_trade = AlipayGateway(app_id=ALIPAY_APPID, app_private_key=alipay.private_key,
                                    alipay_public_key=fake.alipay_public,
                                    gateway_url=alipay.gateway_url)
    with pytest.raises(ProviderError) as status:
        wrong_key_trade.refund("A3", "R3", 100, 100)  # closed, never paid
    assert status.value.reason == "ACQ.TRADE_STATUS_ERROR 交易状态不合法"


def test_alipay_response_signature_covers_the_raw_text(alipay):
    body = '{"alipay_trade_query_response":{"code":"10000","msg":"Success","a":"{x}"},"sign":"s"}'
    assert raw_response_text(body, "alipay_trade_query_response") == \
        '{"code":"10000","msg":"Success","a":"{x}"}'
    _private, wrong_public = rsa.new_key_pair()
    distrustful = AlipayGateway(app_id=alipay.app_id, app_private_key=alipay.private_key,
                                alipay_public_key=wrong_public, gateway_url=alipay.gateway_url)
    with pytest.raises(VerificationError):
        distrustful.query("A1")


# --- keys as staff paste them -------------------------------------------------------------

def _formats(private_pem: str) -> dict[str, str]:
    key = serialization.load_pem_private_key(private_pem.encode(), None)
    pkcs1_der = key.private_bytes(serialization.Encoding.DER,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
    pkcs8_der = key.private_bytes(serialization.Encoding.DER,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    pkcs1_pem = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption()).decode()
    bare_pkcs8 = base64.b64encode(pkcs8_der).decode()
    return {"pkcs8 pem": private_pem, "pkcs1 pem": pkcs1_pem,
            "bare pkcs1": base64.b64encode(pkcs1_der).decode(), "bare pkcs8": bare_pkcs8,
            "bare pkcs8 in lines": "\n".join(bare_pkcs8[i:i + 64]
                                             for i in range(0, len(bare_pkcs8), 64))}


def test_private_keys_load_as_pem_or_bare_base64():
    private, public = rsa.new_key_pair()
    signatures = {name: rsa.sign(text, "app_id=2021000000000001")
                  for name, text in _formats(private).items()}
    assert len(set(signatures.values())) == 1  # one key, whatever its dress
    bare_public = "".join(public.strip().splitlines()[1:-1])
    assert rsa.verify(bare_public, "app_id=2021000000000001", signatures["bare pkcs1"])


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ#!", "malformed"),
    ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "malformed"),
    ("bm90IGEga2V5", "malformed"),
])
def test_malformed_private_keys_name_what_is_wrong(text, reason):
    with pytest.raises(rsa.KeyFormatError) as refused:
        rsa.check_private_key(text)
    assert refused.value.reason == reason


def test_a_public_key_pasted_as_the_private_key_is_named_so():
    _private, public = rsa.new_key_pair()
    with pytest.raises(rsa.KeyFormatError) as pem:
        rsa.check_private_key(public)
    bare = "".join(public.strip().splitlines()[1:-1])
    with pytest.raises(rsa.KeyFormatError) as base64_only:
        rsa.check_private_key(bare)
    assert pem.value.reason == base64_only.value.reason == "wrong_kind"


def test_a_short_or_non_rsa_key_is_refused():
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys

    short = rsa_keys.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (refused)
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    for key, reason in ((short, "too_short"), (ecdsa, "not_rsa")):
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        with pytest.raises(rsa.KeyFormatError) as refused:
            rsa.check_private_key(pem)
        assert refused.value.reason == reason
