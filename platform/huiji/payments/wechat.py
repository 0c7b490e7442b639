"""WeChat Pay API v3 (direct merchant): Native (QR), H5 and JSAPI orders, query, close,
refund, and payment notifications.

- Requests are signed WECHATPAY2-SHA256-RSA2048 with the merchant's private key over
  "METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n".
- Responses and notifications are verified over "TIMESTAMP\\nNONCE\\nBODY\\n" with the
  WeChat Pay platform public key (or certificate) named by the Wechatpay-Serial header.
- The notification's resource is decrypted with AEAD_AES_256_GCM and the APIv3 key.
https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-generation.html
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from urllib.parse import urlencode, urlparse

import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from huiji.payments import rsa
from huiji.payments.base import (
    Gateway,
    Notification,
    PaymentError,
    PaymentRequest,
    PaymentStart,
    ProviderError,
    QueryResult,
    RefundResult,
    VerificationError,
)

DEFAULT_BASE = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW = 300  # seconds: older signed messages are refused (replays)


def request_message(method: str, url_path: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{url_path}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def jsapi_message(app_id: str, timestamp: str, nonce: str, package: str) -> str:
    return f"{app_id}\n{timestamp}\n{nonce}\n{package}\n"


def decrypt_resource(api_v3_key: str, resource: dict) -> dict:
    try:
        plain = AESGCM(api_v3_key.encode()).decrypt(
            resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode())
    except (InvalidTag, KeyError, ValueError) as exc:
        raise VerificationError("the notification resource does not decrypt") from exc
    return json.loads(plain)


OAUTH_AUTHORIZE_BASE = "https://open.weixin.qq.com"
OAUTH_API_BASE = "https://api.weixin.qq.com"


def oauth_authorize_url(app_id: str, redirect_uri: str, state: str, *,
                        base: str = OAUTH_AUTHORIZE_BASE) -> str:
    """Where a payer inside WeChat is sent for their OpenID (scope snsapi_base: no consent
    page). WeChat wants the parameters in this order and the #wechat_redirect fragment.
    https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html"""
    query = urlencode([("appid", app_id), ("redirect_uri", redirect_uri),
                       ("response_type", "code"), ("scope", "snsapi_base"),
                       ("state", state)])
    return f"{base.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"


def oauth_openid(app_id: str, app_secret: str, code: str, *, base: str = OAUTH_API_BASE,
                 timeout: float = 10) -> str:
    """Exchange the code WeChat returned to the callback for the payer's OpenID."""
    try:
        response = requests.get(f"{base.rstrip('/')}/sns/oauth2/access_token", params={
            "appid": app_id, "secret": app_secret, "code": code,
            "grant_type": "authorization_code"}, timeout=timeout)
        data = json.loads(response.content.decode("utf-8"))
    except (requests.RequestException, ValueError) as exc:
        raise PaymentError(f"WeChat OAuth unreachable: {exc}") from exc
    if not isinstance(data, dict) or data.get("errcode") or not data.get("openid"):
        data = data if isinstance(data, dict) else {}
        raise ProviderError("WeChat OAuth", code=str(data.get("errcode", "")),
                            message=str(data.get("errmsg", "")), status=response.status_code)
    return str(data["openid"])


class WeChatPayGateway(Gateway):
    provider = "wechat"

    def __init__(self, *, merchant_id: str, app_id: str, merchant_serial_no: str,
                 merchant_private_key: str, api_v3_key: str, platform_public_keys: dict,
                 base_url: str = DEFAULT_BASE, timeout: float = 10):
        self.merchant_id, self.app_id = merchant_id, app_id
        self.serial_no, self.private_key = merchant_serial_no, merchant_private_key
        self.api_v3_key = api_v3_key
        self.platform_keys = platform_public_keys  # serial -> PEM
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    # --- signed HTTP -------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False,
                                                     separators=(",", ":"))
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {
            "Authorization": self.authorization(method, path, timestamp, nonce, body),
            "Accept": "application/json", "Content-Type": "application/json",
        }
        try:
            response = requests.request(method, self.base_url + path, data=body.encode(),
                                        headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PaymentError(f"WeChat Pay unreachable: {exc}") from exc
        # The signature covers the body's bytes as sent (UTF-8), whatever Content-Type says.
        text = response.content.decode("utf-8", errors="replace")
        if response.status_code >= 400 and not response.headers.get("Wechatpay-Signature"):
            # An error answer WeChat Pay did not sign (a 401 to a request it could not
            # authenticate): the provider's own code and message, marked unverified.
            raise self._refused(response.status_code, text, verified=False)
        self._verify(response.headers, text)
        if response.status_code >= 400:
            raise self._refused(response.status_code, text, verified=True)
        return response.status_code, (json.loads(text) if text else {})

    def authorization(self, method: str, path: str, timestamp: str, nonce: str,
                      body: str) -> str:
        """The Authorization header of a request (WECHATPAY2-SHA256-RSA2048)."""
        try:
            signature = rsa.sign(self.private_key,
                                 request_message(method, path, timestamp, nonce, body))
        except rsa.KeyFormatError as exc:
            raise PaymentError(f"the merchant private key does not load ({exc})") from exc
        return (f'WECHATPAY2-SHA256-RSA2048 mchid="{self.merchant_id}",'
                f'nonce_str="{nonce}",signature="{signature}",'
                f'timestamp="{timestamp}",serial_no="{self.serial_no}"')

    def _refused(self, status: int, text: str, *, verified: bool) -> ProviderError:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return ProviderError("WeChat Pay", code=str(data.get("code") or ""),
                             message=str(data.get("message") or text[:200]),
                             status=status, verified=verified)

    def _verify(self, headers, body: str) -> None:
        signature_type = headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE)
        if signature_type != SIGNATURE_TYPE:
            raise VerificationError(f"unexpected WeChat Pay signature type {signature_type!r}")
        serial = headers.get("Wechatpay-Serial", "")
        key = self.platform_keys.get(serial)
        timestamp = headers.get("Wechatpay-Timestamp", "")
        if key is None:
            raise VerificationError(f"unknown WeChat Pay platform key serial {serial!r}")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            raise VerificationError("WeChat Pay signature timestamp out of range")
        message = response_message(timestamp, headers.get("Wechatpay-Nonce", ""), body)
        if not rsa.verify(key, message, headers.get("Wechatpay-Signature", "")):
            raise VerificationError("WeChat Pay signature does not verify")

    # --- the interface --------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> PaymentStart:
        payload = {"appid": self.app_id, "mchid": self.merchant_id,
                   "description": request.description[:127],
                   "out_trade_no": request.order_number, "notify_url": request.notify_url,
                   "amount": {"total": request.amount_fen, "currency": "CNY"}}
        if request.scene == "h5":
            payload["scene_info"] = {"payer_client_ip": request.client_ip,
                                     "h5_info": {"type": "Wap"}}
            _status, data = self._call("POST", "/v3/pay/transactions/h5", payload)
            return PaymentStart(kind="redirect", redirect_url=data["h5_url"])
        if request.scene == "jsapi":
            if not request.openid:
                raise PaymentError("a JSAPI payment needs the payer's OpenID (WeChat OAuth)")
            payload["payer"] = {"openid": request.openid}
            _status, data = self._call("POST", "/v3/pay/transactions/jsapi", payload)
            return PaymentStart(kind="jsapi", jsapi=self.jsapi_parameters(data["prepay_id"]))
        _status, data = self._call("POST", "/v3/pay/transactions/native", payload)
        return PaymentStart(kind="qr", qr_code=data["code_url"])

    def jsapi_parameters(self, prepay_id: str) -> dict:
        """What the page hands to WeixinJSBridge getBrandWCPayRequest: paySign is RSA over
        "appId\\ntimeStamp\\nnonceStr\\npackage\\n" with the merchant key."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        return {"appId": self.app_id, "timeStamp": timestamp, "nonceStr": nonce,
                "package": package, "signType": "RSA",
                "paySign": rsa.sign(self.private_key,
                                    jsapi_message(self.app_id, timestamp, nonce, package))}

    def verify_notification(self, headers: dict, body: bytes) -> Notification:
        text = body.decode("utf-8")
        self._verify(headers, text)
        envelope = json.loads(text)
        if envelope.get("resource", {}).get("algorithm") != "AEAD_AES_256_GCM":
            raise VerificationError("unexpected WeChat Pay resource algorithm")
        data = decrypt_resource(self.api_v3_key, envelope["resource"])
        return Notification(
            provider=self.provider, order_number=data.get("out_trade_no", ""),
            transaction_id=data.get("transaction_id", ""),
            amount_fen=int(data.get("amount", {}).get("total", -1)),
            merchant=data.get("mchid", ""), paid=data.get("trade_state") == "SUCCESS",
            data={**data, "app_id": data.get("appid", "")})

    def query(self, order_number: str) -> QueryResult:
        _status, data = self._call(
            "GET", f"/v3/pay/transactions/out-trade-no/{order_number}?mchid={self.merchant_id}")
        state = {"SUCCESS": "paid", "CLOSED": "closed", "REVOKED": "closed",
                 "PAYERROR": "closed"}.get(data.get("trade_state"), "pending")
        return QueryResult(state=state, transaction_id=data.get("transaction_id", ""),
                           amount_fen=int(data.get("amount", {}).get("total", 0)))

    def close(self, order_number: str) -> None:
        self._call("POST", f"/v3/pay/transactions/out-trade-no/{order_number}/close",
                   {"mchid": self.merchant_id})

    def refund(self, order_number, refund_number, amount_fen, total_fen) -> RefundResult:
        _status, data = self._call("POST", "/v3/refund/domestic/refunds", {
            "out_trade_no": order_number, "out_refund_no": refund_number,
            "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"}})
        return RefundResult(refund_id=data.get("refund_id", ""),
                            state="success" if data.get("status") == "SUCCESS"
                            else "processing")


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")
