"""A local fake of WeChat Pay (API v3, with WeChat's web OAuth) and Alipay (open API) for
tests and the demo.

It verifies each merchant request's signature with the merchant's registered public key,
answers signed like the real gateways, keeps the trades, and sends payment notifications to
the merchant's notify_url: signed and (WeChat) AEAD-encrypted, and on request duplicated,
late, tampered or for a different amount. Its QR codes point at its own "scan" page, where a
person in the demo confirms the payment.

It is an independent implementation: it imports nothing from the adapters
(huiji.payments.*). Every algorithm below is written again from the providers' documents, so
a signing bug in an adapter makes the fake refuse the adapter's requests or the adapter
refuse the fake's answers, instead of being shared by both (the conformance tests in
payments/tests/test_conformance.py hold both to the providers' own SDKs).

    python -m huiji.payments.fake_gateway --port 8026
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import re
import secrets
import threading
import time
import uuid
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PLATFORM_SERIAL = "FAKEPLATFORM0001"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
BEIJING = dt.timezone(dt.timedelta(hours=8))
# The OpenID the fake's WeChat OAuth hands out for its one pretend payer (the example OpenID
# of WeChat's documents); tests may set another.
DEFAULT_PAYER_OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


# --- the providers' documented algorithms, written here on their own ---------------------

def key_pair() -> tuple[str, str]:
    """(private PKCS#8 PEM, public SubjectPublicKeyInfo PEM), 2048 bits."""
    key = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode(),
            key.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo
                                          ).decode())


def _der(text: str) -> bytes | None:
    """The DER inside bare base64 (how Alipay's key tool hands keys out), or None for PEM."""
    text = text.strip()
    return None if text.startswith("-----") else base64.b64decode("".join(text.split()))


def _private_key(text: str):
    der = _der(text)
    return (serialization.load_pem_private_key(text.strip().encode(), None) if der is None
            else serialization.load_der_private_key(der, None))


def _public_key(text: str):
    der = _der(text)
    return (serialization.load_pem_public_key(text.strip().encode()) if der is None
            else serialization.load_der_public_key(der))


def sha256_with_rsa(private_key: str, message: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5) over the UTF-8 message, base64: WeChat's and Alipay's."""
    raw = _private_key(private_key).sign(message.encode("utf-8"), padding.PKCS1v15(),
                                         hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def sha256_with_rsa_checks(public_key: str, message: str, signature: str) -> bool:
    try:
        _public_key(public_key).verify(base64.b64decode(signature), message.encode("utf-8"),
                                       padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def wechat_signed_lines(*lines: str) -> str:
    """WeChat Pay v3 signs its fields each followed by a line feed, the last one too:
    request "METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n", answers and notifications
    "TIMESTAMP\\nNONCE\\nBODY\\n", JSAPI "appId\\ntimeStamp\\nnonceStr\\npackage\\n"."""
    return "".join(line + "\n" for line in lines)


def wechat_authorization_fields(header: str) -> dict[str, str]:
    """The key="value" pairs of a WECHATPAY2-SHA256-RSA2048 Authorization header."""
    scheme, _, rest = header.partition(" ")
    if scheme != SIGNATURE_TYPE:
        return {}
    return dict(re.findall(r'(\w+)="([^"]*)"', rest))


def wechat_encrypt(api_v3_key: str, plaintext: str, associated_data: str) -> dict:
    """AEAD_AES_256_GCM as WeChat Pay encrypts a notification's resource: the 32-byte APIv3
    key, a 12-character nonce, the tag appended to the ciphertext, base64."""
    nonce = secrets.token_urlsafe(9)[:12]
    sealed = AESGCM(api_v3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8"))
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(sealed).decode(),
            "associated_data": associated_data, "nonce": nonce,
            "original_type": "transaction"}


def alipay_request_content(params: dict) -> str:
    """Alipay's rule for requests: drop `sign` and empty values, sort by name, k=v joined
    with &; `sign_type` stays in."""
    kept = {k: v for k, v in params.items() if k != "sign" and v is not None and v != ""}
    return "&".join(f"{k}={kept[k]}" for k in sorted(kept))


def alipay_notification_content(params: dict) -> str:
    """Alipay's rule for asynchronous notifications: drop `sign` and `sign_type`, keep empty
    values, sort by name, k=v joined with &."""
    kept = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    return "&".join(f"{k}={kept[k]}" for k in sorted(kept))


def _yuan(fen: int) -> str:
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def _fen(yuan: str) -> int:
    return int((Decimal(yuan) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- the gateway ---------------------------------------------------------------------------

class FakePaymentGateway:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: dict | None = None):
        state = state or {}
        if state.get("platform_private"):
            self.platform_private, self.platform_public = state["platform_private"], \
                state["platform_public"]
            self.alipay_private, self.alipay_public = state["alipay_private"], \
                state["alipay_public"]
        else:
            self.platform_private, self.platform_public = key_pair()
            self.alipay_private, self.alipay_public = key_pair()
        # mchid -> serial, public_key, api_v3_key ; app_id -> public key ; app_id -> secret
        self.wechat_merchants: dict[str, dict] = dict(state.get("wechat_merchants", {}))
        self.alipay_apps: dict[str, str] = dict(state.get("alipay_apps", {}))
        self.wechat_apps: dict[str, str] = dict(state.get("wechat_apps", {}))
        self.payer_openid = DEFAULT_PAYER_OPENID
        self.oauth_codes: dict[str, tuple[str, str]] = {}  # code -> (app_id, openid)
        self.issued_openids: set[tuple[str, str]] = set()
        # Alipay answers text/html;charset=utf-8; a test sets it without the charset.
        self.alipay_content_type = "text/html;charset=utf-8"
        self.trades: dict[str, dict] = {}
        self.rejected: list[str] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str,
                      headers: dict | None = None):
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                url = urlparse(self.path)
                if url.path.startswith("/v3/"):
                    return self._send(*gateway.wechat("GET", self.path, self.headers, ""))
                if url.path == "/connect/oauth2/authorize":
                    return self._send(*gateway.oauth_authorize(dict(parse_qsl(url.query))))
                if url.path == "/sns/oauth2/access_token":
                    return self._send(*gateway.oauth_token(dict(parse_qsl(url.query))))
                if url.path.startswith("/scan/"):
                    _, _, provider, number = url.path.split("/", 3)
                    return self._send(200, gateway.scan_page(provider, number).encode(),
                                      "text/html; charset=utf-8")
                if url.path == "/gateway.do":  # page pay, or an SDK's GET call
                    return self._send(*gateway.alipay(dict(parse_qsl(url.query))))
                return self._send(404, b"{}", "application/json")

            def do_POST(self):
                url = urlparse(self.path)
                body = self._body()
                if url.path.startswith("/v3/"):
                    return self._send(*gateway.wechat("POST", self.path, self.headers,
                                                      body.decode("utf-8")))
                if url.path == "/gateway.do":
                    params = dict(parse_qsl(url.query))
                    params.update(parse_qsl(body.decode("utf-8")))
                    return self._send(*gateway.alipay(params))
                if url.path.startswith("/scan/"):
                    number = url.path.rstrip("/").removesuffix("/pay").split("/")[-1]
                    gateway.pay(number)
                    return self._send(200, "<p>支付成功 Paid</p>".encode(),
                                      "text/html; charset=utf-8")
                return self._send(404, b"{}", "application/json")

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_port}"

    # --- merchants ---------------------------------------------------------------------------

    def register_wechat(self, *, mchid: str, serial: str, public_key: str,
                        api_v3_key: str, app_id: str = "", app_secret: str = "") -> None:
        self.wechat_merchants[mchid] = {"serial": serial, "public_key": public_key,
                                        "api_v3_key": api_v3_key}
        if app_id and app_secret:
            self.wechat_apps[app_id] = app_secret

    def register_alipay(self, *, app_id: str, public_key: str) -> None:
        self.alipay_apps[app_id] = public_key

    # --- WeChat Pay --------------------------------------------------------------------------

    def _wechat_reply(self, status: int, data: dict | None, *, signed: bool = True
                      ) -> tuple[int, bytes, str, dict]:
        body = "" if data is None else json.dumps(data, ensure_ascii=False)
        if not signed:  # as WeChat Pay answers a request it could not authenticate
            return status, body.encode("utf-8"), "application/json", {
                "Request-ID": uuid.uuid4().hex}
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
        return status, body.encode("utf-8"), "application/json", {
            "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sha256_with_rsa(
                self.platform_private, wechat_signed_lines(timestamp, nonce, body)),
            "Wechatpay-Serial": PLATFORM_SERIAL, "Wechatpay-Signature-Type": SIGNATURE_TYPE,
            "Request-ID": uuid.uuid4().hex}

    def wechat(self, method: str, path: str, headers, body: str):
        fields = wechat_authorization_fields(headers.get("Authorization", ""))
        merchant = self.wechat_merchants.get(fields.get("mchid", ""))
        if merchant is None or fields.get("serial_no") != merchant["serial"] or \
                not sha256_with_rsa_checks(
                    merchant["public_key"],
                    wechat_signed_lines(method, path, fields.get("timestamp", ""),
                                        fields.get("nonce_str", ""), body),
                    fields.get("signature", "")):
            self.rejected.append("wechat")
            return self._wechat_reply(401, {"code": "SIGN_ERROR", "message": "签名错误"},
                                      signed=False)
        mchid = fields["mchid"]
        url = urlparse(path)
        if "/out-trade-no/" in url.path and url.path.endswith("/close"):
            number = url.path.split("/out-trade-no/")[1].removesuffix("/close")
            if number in self.trades and self.trades[number]["status"] == "NOTPAY":
                self.trades[number]["status"] = "CLOSED"
            return self._wechat_reply(204, None)
        if method == "POST" and url.path.startswith("/v3/pay/transactions/"):
            data = json.loads(body)
            scene = url.path.rsplit("/", 1)[-1]
            number = data["out_trade_no"]
            openid = (data.get("payer") or {}).get("openid", "")
            if scene == "jsapi" and (data["appid"], openid) not in self.issued_openids:
                return self._wechat_reply(400, {"code": "PARAM_ERROR",
                                                "message": "appid和openid不匹配"})
            self.trades[number] = {"provider": "wechat", "merchant": mchid,
                                   "app_id": data["appid"], "amount": data["amount"]["total"],
                                   "notify_url": data["notify_url"], "status": "NOTPAY",
                                   "transaction_id": "", "openid": openid,
                                   "trade_type": {"h5": "MWEB"}.get(scene, scene.upper())}
            if scene == "h5":
                return self._wechat_reply(200, {"h5_url": f"{self.url}/scan/wechat/{number}"})
            if scene == "jsapi":
                return self._wechat_reply(200, {"prepay_id": f"wx{uuid.uuid4().hex[:28]}"})
            return self._wechat_reply(200, {"code_url": f"{self.url}/scan/wechat/{number}"})
        if method == "GET" and "/out-trade-no/" in url.path:
            number = url.path.split("/out-trade-no/")[1]
            trade = self.trades.get(number)
            if trade is None:
                return self._wechat_reply(404, {"code": "ORDER_NOT_EXIST",
                                                "message": "订单不存在"})
            return self._wechat_reply(200, {
                "appid": trade["app_id"], "mchid": mchid, "out_trade_no": number,
                "transaction_id": trade["transaction_id"], "trade_state": trade["status"],
                "amount": {"total": trade["amount"], "payer_total": trade["amount"],
                           "currency": "CNY"}})
        if url.path == "/v3/refund/domestic/refunds":
            data = json.loads(body)
            trade = self.trades.get(data["out_trade_no"])
            if trade is None or trade["status"] != "SUCCESS":
                return self._wechat_reply(400, {"code": "INVALID_REQUEST",
                                                "message": "订单未支付"})
            trade["status"] = "REFUND"
            return self._wechat_reply(200, {"refund_id": f"50{uuid.uuid4().hex[:26]}",
                                            "out_refund_no": data["out_refund_no"],
                                            "status": "SUCCESS"})
        return self._wechat_reply(404, {"code": "NOT_FOUND", "message": path})

    # --- WeChat web OAuth (open.weixin.qq.com and api.weixin.qq.com, both here) -------------

    def oauth_authorize(self, query: dict) -> tuple[int, bytes, str, dict]:
        """The payer inside WeChat agrees silently (snsapi_base): back to redirect_uri with
        a one-time code and the state."""
        app_id, redirect_uri = query.get("appid", ""), query.get("redirect_uri", "")
        if app_id not in self.wechat_apps or not redirect_uri.startswith(("http://",
                                                                          "https://")):
            return 400, "<p>参数错误</p>".encode(), "text/html; charset=utf-8", {}
        code = secrets.token_hex(16)
        self.oauth_codes[code] = (app_id, self.payer_openid)
        separator = "&" if "?" in redirect_uri else "?"
        answer = urlencode({"code": code, "state": query.get("state", "")})
        target = f"{redirect_uri}{separator}{answer}"
        return 302, b"", "", {"Location": target}

    def oauth_token(self, query: dict) -> tuple[int, bytes, str, dict]:
        app_id, code = query.get("appid", ""), query.get("code", "")
        if self.wechat_apps.get(app_id) is None or \
                self.wechat_apps[app_id] != query.get("secret"):
            answer = {"errcode": 40125, "errmsg": "invalid appsecret"}
        elif query.get("grant_type") != "authorization_code" or \
                self.oauth_codes.get(code, ("",))[0] != app_id:
            answer = {"errcode": 40029, "errmsg": "invalid code"}
        else:
            _app, openid = self.oauth_codes.pop(code)  # a code is good once
            self.issued_openids.add((app_id, openid))
            answer = {"access_token": secrets.token_hex(16), "expires_in": 7200,
                      "refresh_token": secrets.token_hex(16), "openid": openid,
                      "scope": "snsapi_base"}
        return 200, json.dumps(answer).encode(), "application/json; encoding=utf-8", {}

    # --- Alipay ------------------------------------------------------------------------------

    def _alipay_reply(self, method: str, data: dict, *, signed: bool = True,
                      key: str = "") -> tuple[int, bytes, str]:
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        key = key or method.replace(".", "_") + "_response"
        tail = f',"sign":"{sha256_with_rsa(self.alipay_private, raw)}"' if signed else ""
        return 200, f'{{"{key}":{raw}{tail}}}'.encode(), self.alipay_content_type

    def alipay(self, params: dict):
        method = params.get("method", "")
        public = self.alipay_apps.get(params.get("app_id", ""))
        if public is None:
            self.rejected.append("alipay")
            return self._alipay_reply(method, {"code": "40002", "msg": "Invalid Arguments",
                                               "sub_code": "isv.invalid-app-id",
                                               "sub_msg": "无效的AppID参数"},
                                      signed=False, key="error_response")
        if params.get("sign_type") != "RSA2" or not sha256_with_rsa_checks(
                public, alipay_request_content(params), params.get("sign", "")):
            self.rejected.append("alipay")
            return self._alipay_reply(method, {"code": "40002", "msg": "Invalid Arguments",
                                               "sub_code": "isv.invalid-signature",
                                               "sub_msg": "验签出错，建议检查签名字符串或签名"
                                                          "私钥与应用公钥是否匹配"})
        biz = json.loads(params.get("biz_content") or "{}")
        number = biz.get("out_trade_no", "")
        if method in ("alipay.trade.precreate", "alipay.trade.page.pay"):
            self.trades[number] = {"provider": "alipay", "merchant": params["app_id"],
                                   "amount": _fen(str(biz["total_amount"])),
                                   "subject": biz.get("subject", ""),
                                   "notify_url": params.get("notify_url", ""),
                                   "status": "WAIT_BUYER_PAY", "transaction_id": ""}
            if method == "alipay.trade.page.pay":
                return 200, self.scan_page("alipay", number).encode(), "text/html; charset=utf-8"
            return self._alipay_reply(method, {"code": "10000", "msg": "Success",
                                               "out_trade_no": number,
                                               "qr_code": f"{self.url}/scan/alipay/{number}"})
        trade = self.trades.get(number)
        if trade is None:
            return self._alipay_reply(method, {"code": "40004", "msg": "Business Failed",
                                               "sub_code": "ACQ.TRADE_NOT_EXIST",
                                               "sub_msg": "交易不存在"})
        if method == "alipay.trade.query":
            return self._alipay_reply(method, {
                "code": "10000", "msg": "Success", "out_trade_no": number,
                "trade_no": trade["transaction_id"], "trade_status": trade["status"],
                "total_amount": _yuan(trade["amount"]), "buyer_logon_id": "159****5620"})
        if method == "alipay.trade.close":
            if trade["status"] == "WAIT_BUYER_PAY":
                trade["status"] = "TRADE_CLOSED"
            return self._alipay_reply(method, {"code": "10000", "msg": "Success"})
        if method == "alipay.trade.refund":
            if trade["status"] not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                return self._alipay_reply(method, {"code": "40004", "msg": "Business Failed",
                                                   "sub_code": "ACQ.TRADE_STATUS_ERROR",
                                                   "sub_msg": "交易状态不合法"})
            trade["status"] = "TRADE_CLOSED"
            return self._alipay_reply(method, {"code": "10000", "msg": "Success",
                                               "fund_change": "Y",
                                               "refund_fee": biz["refund_amount"]})
        return self._alipay_reply(method, {"code": "40004", "msg": "Business Failed",
                                           "sub_code": "isv.invalid-method",
                                           "sub_msg": "不存在的方法名"})

    # --- paying ------------------------------------------------------------------------------

    def pay(self, number: str, *, send: bool = True) -> dict:
        """The payer paid: mark the trade and notify the merchant (unless send=False, as
        when the notification is lost and only a query will tell)."""
        with self._lock:
            trade = self.trades[number]
            if not trade["transaction_id"]:
                trade["transaction_id"] = ("4200" if trade["provider"] == "wechat" else
                                           "2026") + uuid.uuid4().hex[:24]
            trade["status"] = "SUCCESS" if trade["provider"] == "wechat" else "TRADE_SUCCESS"
        if send:
            self.notify(number)
        return trade

    def notification(self, number: str, *, amount: int | None = None, tamper: bool = False,
                     extra: dict | None = None) -> tuple[dict, bytes]:
        """(headers, body) of the notification of a paid trade, as the provider sends it;
        `amount` to lie about the amount (signed correctly), `tamper` to break the
        signature, `extra` for more (signed) parameters, as Alipay's optional ones, empty
        values included (`{"body": ""}`)."""
        trade = self.trades[number]
        total = trade["amount"] if amount is None else amount
        if trade["provider"] == "wechat":
            merchant = self.wechat_merchants[trade["merchant"]]
            transaction = {
                "mchid": trade["merchant"], "appid": trade["app_id"], "out_trade_no": number,
                "transaction_id": trade["transaction_id"],
                "trade_type": trade.get("trade_type", "NATIVE"), "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "bank_type": "OTHERS",
                "success_time": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
                "payer": {"openid": trade.get("openid") or self.payer_openid},
                "amount": {"total": total, "payer_total": total, "currency": "CNY",
                           "payer_currency": "CNY"}, **(extra or {})}
            resource = wechat_encrypt(merchant["api_v3_key"],
                                      json.dumps(transaction, ensure_ascii=False),
                                      "transaction")
            body = json.dumps({
                "id": str(uuid.uuid4()),
                "create_time": dt.datetime.now(BEIJING).isoformat(timespec="seconds"),
                "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功", "resource": resource}, ensure_ascii=False)
            timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
            signature = sha256_with_rsa(self.platform_private,
                                        wechat_signed_lines(timestamp, nonce, body))
            if tamper:
                signature = signature[:-4] + ("AAAA" if not signature.endswith("AAAA")
                                              else "BBBB")
            return ({"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
                     "Wechatpay-Signature": signature, "Wechatpay-Serial": PLATFORM_SERIAL,
                     "Wechatpay-Signature-Type": SIGNATURE_TYPE,
                     "Content-Type": "application/json"}, body.encode("utf-8"))
        now = dt.datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        params = {"notify_time": now, "gmt_create": now, "gmt_payment": now,
                  "notify_type": "trade_status_sync", "notify_id": uuid.uuid4().hex,
                  "app_id": trade["merchant"], "auth_app_id": trade["merchant"],
                  "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
                  "trade_no": trade["transaction_id"], "out_trade_no": number,
                  "subject": trade.get("subject", ""), "trade_status": "TRADE_SUCCESS",
                  "total_amount": _yuan(total), "receipt_amount": _yuan(total),
                  "buyer_pay_amount": _yuan(total), **(extra or {})}
        params["sign"] = sha256_with_rsa(self.alipay_private,
                                         alipay_notification_content(params))
        if tamper:
            params["total_amount"] = _yuan(total + 100)
        return ({"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                urlencode(params).encode("utf-8"))

    def notify(self, number: str, **kwargs) -> requests.Response:
        headers, body = self.notification(number, **kwargs)
        url = urlparse(self.trades[number]["notify_url"])
        target = self.trades[number]["notify_url"]
        if url.hostname and url.hostname.endswith(".localhost"):
            # Browsers resolve every *.localhost to this machine; the system resolver does
            # not. Send to 127.0.0.1 and name the association's host in the Host header.
            headers = {**headers, "Host": url.netloc}
            target = url._replace(netloc=f"127.0.0.1:{url.port or 80}").geturl()
        return requests.post(target, data=body, headers=headers, timeout=10)

    def scan_page(self, provider: str, number: str) -> str:
        trade = self.trades.get(number)
        if trade is None:
            return "<p>unknown order</p>"
        name = "微信支付" if provider == "wechat" else "支付宝"
        return (f'<!doctype html><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width"><title>{name}</title>'
                f'<h1>{name}（模拟）</h1><p>订单 {number}</p>'
                f'<p>金额 ¥{_yuan(trade["amount"])}</p>'
                f'<form method="post" action="/scan/{provider}/{number}/pay">'
                f'<button type="submit">确认支付</button></form>')

    def state(self) -> dict:
        """Everything another process needs to stand in for this gateway: its keys and the
        merchants it knows (the demo writes it to a file both processes read)."""
        return {"platform_private": self.platform_private,
                "platform_public": self.platform_public,
                "alipay_private": self.alipay_private, "alipay_public": self.alipay_public,
                "wechat_merchants": self.wechat_merchants, "alipay_apps": self.alipay_apps,
                "wechat_apps": self.wechat_apps}

    def start(self) -> FakePaymentGateway:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8026)
    parser.add_argument("--state", help="a JSON file of keys and merchants (the demo's)")
    args = parser.parse_args()
    state = json.loads(Path(args.state).read_text("utf-8")) if args.state else None
    gateway = FakePaymentGateway(port=args.port, state=state)
    print(f"fake payment gateway on {gateway.url}")
    gateway.server.serve_forever()


if __name__ == "__main__":
    main()
