"""Conformance of the WeChat Pay and Alipay adapters, and of the fake gateway, with the
providers' own SDKs and published examples.

The SDKs are test-only dependencies (pyproject's dev extras): wechatpayv3 (the community
WeChat Pay v3 SDK WeChat Pay's documents list), python-alipay-sdk, and alipay-sdk-python
(Alipay's official SDK). Each is an independent client: it verifies what our adapter and our
fake sign, and signs what they verify. RSA PKCS#1 v1.5 signatures are deterministic, so an
adapter's signature is compared byte for byte with the SDK's over the same fields.
Expected strings from the providers' documents are written out by hand.
"""

from __future__ import annotations

import base64
import json
import types
from urllib.parse import parse_qsl

import pytest
import requests
from alipay import AliPay
from alipay.aop.api.util import SignatureUtils as official
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3 import utils as wx_utils

from huiji.payments.alipay import notification_sign_content, request_sign_content
from huiji.payments.fake_gateway import (
    PLATFORM_SERIAL,
    alipay_notification_content,
    alipay_request_content,
    wechat_signed_lines,
)
from huiji.payments.tests.conftest import ALIPAY_APPID, MCHID, WX_APPID
from huiji.payments.wechat import jsapi_message, request_message, response_message


def bare_pkcs1(private_pem: str) -> str:
    """The key as Alipay's official SDK takes it: PKCS#1, base64 without PEM lines."""
    key = serialization.load_pem_private_key(private_pem.encode(), None)
    der = key.private_bytes(serialization.Encoding.DER,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    return base64.b64encode(der).decode()


def bare(public_pem: str) -> str:
    return "".join(public_pem.strip().splitlines()[1:-1])


# --- WeChat Pay: the documents' examples ---------------------------------------------------

def test_wechat_request_message_is_the_documented_one():
    # pay.weixin.qq.com, 签名生成: the example request GET /v3/certificates
    documented = ("GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n")
    assert request_message("GET", "/v3/certificates", "1554208460",
                           "593BEC0C930BF1AFEB40B4A08C8FB242", "") == documented
    assert wechat_signed_lines("GET", "/v3/certificates", "1554208460",
                               "593BEC0C930BF1AFEB40B4A08C8FB242", "") == documented


def test_wechat_answer_and_jsapi_messages_are_the_documented_ones():
    # 签名验证: "应答时间戳\n应答随机串\n应答报文主体\n"
    assert response_message("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c",
                            '{"data":[]}') == \
        '1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{"data":[]}\n'
    # JSAPI 调起支付: the documented example of the paySign message
    documented = ("wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
                  "prepay_id=wx201410272009395522657a690389285100\n")
    assert jsapi_message("wx8888888888888888", "1414561699",
                         "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                         "prepay_id=wx201410272009395522657a690389285100") == documented


# --- WeChat Pay: the SDK against the adapter -----------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v3/pay/transactions/native",
     '{"appid":"wxd678efh567hg6787","description":"会费 入会","amount":{"total":48000}}'),
    ("GET", "/v3/pay/transactions/out-trade-no/2026050100000001?mchid=1900000109", ""),
])
def test_the_adapters_authorization_is_the_sdks(wechat, wechat_keys, monkeypatch, method,
                                                path, body):
    monkeypatch.setattr(wx_utils, "time", types.SimpleNamespace(time=lambda: 1554208460))
    sdk = wx_utils.build_authorization(
        path, method, MCHID, "MERCHANT01", wx_utils.load_private_key(wechat_keys["private"]),
        data=body, nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242")
    ours = wechat.authorization(method, path, "1554208460",
                                "593BEC0C930BF1AFEB40B4A08C8FB242", body)
    assert ours == sdk


def test_the_adapters_jsapi_pay_sign_is_the_sdks(wechat, wechat_keys, fake):
    sdk = WeChatPay(wechatpay_type=WeChatPayType.JSAPI, mchid=MCHID,
                    private_key=wechat_keys["private"], cert_serial_no="MERCHANT01",
                    appid=WX_APPID, apiv3_key=wechat_keys["api_v3_key"],
                    public_key=fake.platform_public, public_key_id=PLATFORM_SERIAL)
    jsapi = wechat.jsapi_parameters("wx201410272009395522657a690389285100")
    assert jsapi["paySign"] == sdk.sign([jsapi["appId"], jsapi["timeStamp"],
                                         jsapi["nonceStr"], jsapi["package"]])


def test_the_adapter_verifies_a_notification_the_sdks_signer_signed(wechat, fake):
    """A notification built as WeChat Pay documents it, its resource sealed with AES-GCM
    here and signed with the SDK's signer and the platform key: the adapter accepts it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    transaction = {"mchid": MCHID, "appid": WX_APPID, "out_trade_no": "2026050100000007",
                   "transaction_id": "4200000000202605010000000007", "trade_type": "JSAPI",
                   "trade_state": "SUCCESS", "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                   "amount": {"total": 48000, "payer_total": 48000, "currency": "CNY"}}
    sealed = AESGCM(wechat.api_v3_key.encode()).encrypt(
        b"fdasflkja484w", json.dumps(transaction, ensure_ascii=False).encode(),
        b"transaction")
    body = json.dumps({"id": "EV-2018022511223320873", "create_time":
                       "2026-05-01T10:00:00+08:00", "resource_type": "encrypt-resource",
                       "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
                       "resource": {"algorithm": "AEAD_AES_256_GCM",
                                    "ciphertext": base64.b64encode(sealed).decode(),
                                    "associated_data": "transaction",
                                    "nonce": "fdasflkja484w", "original_type": "transaction"}},
                      ensure_ascii=False)
    import time

    timestamp = str(int(time.time()))
    signature = wx_utils.rsa_sign(wx_utils.load_private_key(fake.platform_private),
                                  f"{timestamp}\nfdasfwe3rsdf23\n{body}\n")
    notification = wechat.verify_notification({
        "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": "fdasfwe3rsdf23",
        "Wechatpay-Signature": signature, "Wechatpay-Serial": PLATFORM_SERIAL,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}, body.encode())
    assert (notification.order_number, notification.amount_fen, notification.paid) == (
        "2026050100000007", 48000, True)


# --- WeChat Pay: the SDK against the fake --------------------------------------------------

@pytest.fixture(scope="module")
def wechat_sdk(fake, wechat_keys):
    client = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=MCHID,
                       private_key=wechat_keys["private"], cert_serial_no="MERCHANT01",
                       appid=WX_APPID, apiv3_key=wechat_keys["api_v3_key"],
                       notify_url="http://127.0.0.1:9/notify",
                       public_key=fake.platform_public, public_key_id=PLATFORM_SERIAL)
    client._core._gate_way = fake.url  # the SDK's only address setting
    return client


def test_the_fake_takes_the_sdks_requests_and_the_sdk_verifies_its_answers(wechat_sdk, fake):
    # The SDK raises on a 2xx answer whose signature (or Wechatpay-Signature-Type) does not
    # check; the fake answers 401 to a request whose signature does not check.
    status, text = wechat_sdk.pay(description="会费", out_trade_no="SDK-W1",
                                  amount={"total": 48000})
    assert status == 200 and json.loads(text)["code_url"].endswith("/scan/wechat/SDK-W1")
    assert fake.trades["SDK-W1"]["amount"] == 48000
    status, text = wechat_sdk.query(out_trade_no="SDK-W1")
    assert (status, json.loads(text)["trade_state"]) == (200, "NOTPAY")
    status, _text = wechat_sdk.close(out_trade_no="SDK-W1")
    assert status == 204
    assert fake.trades["SDK-W1"]["status"] == "CLOSED"


def test_the_sdk_verifies_and_decrypts_the_fakes_notification(wechat_sdk, fake):
    wechat_sdk.pay(description="会费", out_trade_no="SDK-W2", amount={"total": 20000})
    fake.pay("SDK-W2", send=False)
    headers, body = fake.notification("SDK-W2")
    result = wechat_sdk.callback(headers, body)
    assert result["event_type"] == "TRANSACTION.SUCCESS"
    assert (result["resource"]["out_trade_no"], result["resource"]["amount"]["total"],
            result["resource"]["trade_state"]) == ("SDK-W2", 20000, "SUCCESS")
    bad_headers, bad_body = fake.notification("SDK-W2", tamper=True)
    assert wechat_sdk.callback(bad_headers, bad_body) is None


def test_the_fake_refuses_a_request_the_sdk_signed_with_another_key(fake, wechat_keys):
    from huiji.payments.fake_gateway import key_pair

    other_private, _public = key_pair()
    impostor = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=MCHID,
                         private_key=other_private, cert_serial_no="MERCHANT01",
                         appid=WX_APPID, apiv3_key=wechat_keys["api_v3_key"],
                         notify_url="http://127.0.0.1:9/notify",
                         public_key=fake.platform_public, public_key_id=PLATFORM_SERIAL)
    impostor._core._gate_way = fake.url
    status, text = impostor.query(out_trade_no="SDK-W1")
    assert (status, json.loads(text)["code"]) == (401, "SIGN_ERROR")


# --- Alipay: the documents' rules ----------------------------------------------------------

MENU = ('{"button":[{"actionParam":"ZFB_HFCZ","actionType":"out","name":"话费充值"},'
        '{"name":"查询","subButton":[{"actionParam":"ZFB_YECX","actionType":"out",'
        '"name":"余额查询"}]}]}')


def test_request_sign_content_follows_the_documented_example():
    # opendocs.alipay.com, 自行实现签名: the example alipay.mobile.public.menu.add request
    params = {"app_id": "2014072300007148", "method": "alipay.mobile.public.menu.add",
              "charset": "GBK", "sign_type": "RSA2", "timestamp": "2014-07-24 03:07:50",
              "biz_content": MENU, "version": "1.0", "notify_url": "", "sign": "xyz"}
    documented = ("app_id=2014072300007148&biz_content=" + MENU + "&charset=GBK"
                  "&method=alipay.mobile.public.menu.add&sign_type=RSA2"
                  "&timestamp=2014-07-24 03:07:50&version=1.0")
    assert request_sign_content(params) == documented
    assert alipay_request_content(params) == documented
    assert official.get_sign_content({k: v for k, v in params.items()
                                      if k != "sign" and v}) == documented


def test_notification_sign_content_keeps_empty_values_and_drops_sign_type():
    params = {"notify_id": "ac05099524730693a8b330c5ecf72da9786", "body": "",
              "sign_type": "RSA2", "sign": "xyz", "total_amount": "2.00",
              "trade_status": "TRADE_SUCCESS"}
    documented = ("body=&notify_id=ac05099524730693a8b330c5ecf72da9786&total_amount=2.00"
                  "&trade_status=TRADE_SUCCESS")
    assert notification_sign_content(params) == documented
    assert alipay_notification_content(params) == documented
    assert official.get_sign_content({k: v for k, v in params.items()
                                      if k not in ("sign", "sign_type")}) == documented


# --- Alipay: the SDKs against the adapter --------------------------------------------------

def test_the_adapters_request_signature_is_both_sdks(alipay, alipay_keys):
    params = alipay._params("alipay.trade.precreate", {
        "out_trade_no": "2026050100000001", "total_amount": "480.00", "subject": "会费 入会"},
        notify_url="https://caq.example.org/payments/notify/alipay/")
    unsigned = {k: v for k, v in params.items() if k != "sign"}
    assert "sign_type" in unsigned  # it is signed too
    python_sdk = AliPay(appid=ALIPAY_APPID, app_private_key_string=alipay_keys["private"],
                        alipay_public_key_string=alipay_keys["public"])
    sdk_signed = dict(parse_qsl(python_sdk.sign_data(dict(unsigned))))
    assert params["sign"] == sdk_signed["sign"]
    assert params["sign"] == official.sign_with_rsa2(
        bare_pkcs1(alipay_keys["private"]), official.get_sign_content(unsigned), "utf-8")


def test_the_adapter_verifies_a_notification_the_official_sdk_signed(alipay, fake):
    """Alipay's documented notification fields, `body` empty, signed with the official
    SDK's signer over its own sign content (sign and sign_type left out)."""
    params = {"gmt_create": "2026-05-01 10:00:00", "charset": "utf-8",
              "seller_email": "finance@caq.example.org", "subject": "会费", "body": "",
              "buyer_id": "2088102122524333", "invoice_amount": "480.00",
              "notify_id": "2026050100222100000000000000000001", "fund_bill_list":
              '[{"amount":"480.00","fundChannel":"ALIPAYACCOUNT"}]',
              "notify_type": "trade_status_sync", "trade_status": "TRADE_SUCCESS",
              "receipt_amount": "480.00", "app_id": ALIPAY_APPID,
              "buyer_pay_amount": "480.00", "sign_type": "RSA2",
              "seller_id": "2088102119685838", "gmt_payment": "2026-05-01 10:00:05",
              "notify_time": "2026-05-01 10:00:06", "version": "1.0",
              "out_trade_no": "2026050100000009", "total_amount": "480.00",
              "trade_no": "2026050122001400000000000009", "auth_app_id": ALIPAY_APPID,
              "buyer_logon_id": "159****5620", "point_amount": "0.00"}
    params["sign"] = official.sign_with_rsa2(
        bare_pkcs1(fake.alipay_private),
        official.get_sign_content({k: v for k, v in params.items() if k != "sign_type"}),
        "utf-8")
    from urllib.parse import urlencode

    notification = alipay.verify_notification({}, urlencode(params).encode())
    assert (notification.order_number, notification.amount_fen, notification.paid) == (
        "2026050100000009", 48000, True)


# --- Alipay: the SDKs against the fake -----------------------------------------------------

@pytest.fixture(scope="module")
def alipay_sdk(fake, alipay_keys):
    client = AliPay(appid=ALIPAY_APPID, app_private_key_string=alipay_keys["private"],
                    alipay_public_key_string=fake.alipay_public)
    client._gateway = f"{fake.url}/gateway.do"
    return client


def test_the_fake_takes_the_python_sdks_requests_and_the_sdk_verifies_its_answers(
        alipay_sdk, fake):
    # The SDK raises AliPayValidationError on an answer whose signature does not check.
    made = alipay_sdk.api_alipay_trade_precreate(subject="会费", out_trade_no="SDK-A1",
                                                 total_amount="480.00")
    assert made["code"] == "10000" and made["qr_code"].endswith("/scan/alipay/SDK-A1")
    assert fake.trades["SDK-A1"]["amount"] == 48000
    assert alipay_sdk.api_alipay_trade_query(out_trade_no="SDK-A1")["trade_status"] == \
        "WAIT_BUYER_PAY"
    missing = alipay_sdk.api_alipay_trade_query(out_trade_no="SDK-NONE")
    assert (missing["sub_code"], missing["sub_msg"]) == ("ACQ.TRADE_NOT_EXIST", "交易不存在")


def test_the_fake_takes_the_official_sdks_page_pay(fake, alipay_keys):
    from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
    from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
    from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest

    config = AlipayClientConfig()
    config.server_url = f"{fake.url}/gateway.do"
    config.app_id = ALIPAY_APPID
    config.app_private_key = bare_pkcs1(alipay_keys["private"])
    config.alipay_public_key = bare(fake.alipay_public)
    page = AlipayTradePagePayRequest()
    page.biz_content = {"out_trade_no": "SDK-A2", "total_amount": "480.00",
                        "subject": "会费", "product_code": "FAST_INSTANT_TRADE_PAY"}
    page.notify_url = "https://caq.example.org/payments/notify/alipay/"
    url = DefaultAlipayClient(config).page_execute(page, http_method="GET")
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200 and "SDK-A2" in answer.text
    assert fake.trades["SDK-A2"]["amount"] == 48000
    forged = requests.get(url.replace("480.00", "0.01"), timeout=5)
    assert "isv.invalid-signature" in forged.text


def test_both_sdks_verify_the_fakes_notification_with_an_empty_value(alipay_sdk, fake):
    alipay_sdk.api_alipay_trade_precreate(subject="会费", out_trade_no="SDK-A3",
                                          total_amount="100.00")
    fake.pay("SDK-A3", send=False)
    _headers, body = fake.notification("SDK-A3", extra={"body": ""})
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    signature = params.pop("sign")
    assert alipay_sdk.verify(dict(params), signature)
    params.pop("sign_type")
    assert official.verify_with_rsa(bare(fake.alipay_public),
                                    official.get_sign_content(params).encode(), signature)


def test_the_official_sdk_verifies_the_fakes_answer(fake, alipay):
    """The fake's answer, checked with the official SDK's verifier over the raw text."""
    params = alipay._params("alipay.trade.query", {"out_trade_no": "SDK-NONE"})
    answer = requests.post(f"{fake.url}/gateway.do", data=params, timeout=5)
    text = answer.content.decode("utf-8")
    raw = text[text.index(":") + 1:text.rindex(',"sign"')]
    signature = json.loads(text)["sign"]
    assert official.verify_with_rsa(bare(fake.alipay_public), raw.encode(), signature)
    assert json.loads(raw)["sub_msg"] == "交易不存在"



def test_the_fakes_import_nothing_from_the_adapters():
    """The fakes are independent implementations: a bug in an adapter's signing cannot be
    shared by the fake that checks it."""
    import ast
    from pathlib import Path

    import huiji.payments.fake_gateway
    import huiji.sms.fake_gateway

    for module in (huiji.payments.fake_gateway, huiji.sms.fake_gateway):
        tree = ast.parse(Path(module.__file__).read_text("utf-8"))
        imported = [node.module or "" for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom)]
        imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names]
        assert [name for name in imported if name.startswith("huiji")] == []
