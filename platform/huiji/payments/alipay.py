"""Alipay open API: trade precreate (QR), page pay, query, close, refund, and asynchronous
notifications.

- Requests: every parameter but `sign` (so `sign_type` is signed) and but the empty ones,
  sorted, joined as k=v&..., signed RSA2 (SHA256withRSA) with the app's private key.
- Responses: the signature covers the raw text of the `<method>_response` value exactly as
  sent (UTF-8 bytes, whatever the Content-Type says), so it is cut out of the body before
  any parsing. Errors may come as `error_response` instead, possibly unsigned.
- Notifications: verified over the sorted parameters without `sign` and `sign_type`, empty
  values kept (`body=`), with the Alipay public key; answered with the plain text `success`.
  The two rules differ on purpose: request signing drops empty values, notification
  verification keeps them.
https://opendocs.alipay.com/common/02kf5q (signing), 02mse7 (async notification verification)
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import requests

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

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
CHINA = dt.timezone(dt.timedelta(hours=8))


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen(amount: str) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def request_sign_content(params: dict) -> str:
    """What a request's `sign` covers: all parameters but `sign` and the empty ones."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items())
                    if k != "sign" and v not in (None, ""))


def notification_sign_content(params: dict) -> str:
    """What an asynchronous notification's `sign` covers: all parameters but `sign` and
    `sign_type`, empty ones included."""
    return "&".join(f"{k}={'' if v is None else v}" for k, v in sorted(params.items())
                    if k not in ("sign", "sign_type"))


def raw_response_text(body: str, key: str) -> str:
    """The exact text of body[key]'s JSON object, as the gateway signed it."""
    start = body.find(f'"{key}"')
    if start < 0:
        raise VerificationError(f"{key} missing from the Alipay response")
    start = body.index("{", start + len(key) + 2)
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(body)):
        char = body[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return body[start:index + 1]
    raise VerificationError("unterminated Alipay response")


class AlipayGateway(Gateway):
    provider = "alipay"

    def __init__(self, *, app_id: str, app_private_key: str, alipay_public_key: str,
                 gateway_url: str = DEFAULT_GATEWAY, seller_id: str = "", timeout: float = 10):
        self.app_id, self.private_key = app_id, app_private_key
        self.alipay_public_key = alipay_public_key
        self.gateway_url, self.seller_id, self.timeout = gateway_url, seller_id, timeout

    def _params(self, method: str, biz: dict, **extra) -> dict:
        params = {"app_id": self.app_id, "method": method, "format": "JSON",
                  "charset": "utf-8", "sign_type": "RSA2", "version": "1.0",
                  "timestamp": dt.datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                  "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
                  **{k: v for k, v in extra.items() if v}}
        try:
            params["sign"] = rsa.sign(self.private_key, request_sign_content(params))
        except rsa.KeyFormatError as exc:
            raise PaymentError(f"the app private key does not load ({exc})") from exc
        return params

    def _call(self, method: str, biz: dict, **extra) -> dict:
        try:
            response = requests.post(self.gateway_url, data=self._params(method, biz, **extra),
                                     timeout=self.timeout)
        except requests.RequestException as exc:
            raise PaymentError(f"Alipay unreachable: {exc}") from exc
        # Signed over the UTF-8 bytes we asked for (charset=utf-8), whatever the
        # Content-Type says: without a charset `requests` would read text/* as Latin-1.
        body = response.content.decode("utf-8", errors="replace")
        key = method.replace(".", "_") + "_response"
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise VerificationError(f"Alipay answered something else ({response.status_code})"
                                    ) from exc
        if not isinstance(parsed, dict):
            raise VerificationError("Alipay answered something else")
        if key not in parsed and isinstance(parsed.get("error_response"), dict):
            key = "error_response"
        raw = raw_response_text(body, key)
        data = parsed[key] if isinstance(parsed[key], dict) else {}
        signed = bool(parsed.get("sign"))
        if signed and not rsa.verify(self.alipay_public_key, raw, parsed["sign"]):
            raise VerificationError("Alipay response signature does not verify")
        if data.get("code") != "10000":
            # An unsigned error answer (an unknown app id, say) is reported as Alipay's,
            # marked unverified; it is never taken as "no such trade".
            if signed and data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return data
            raise ProviderError("Alipay", code=str(data.get("code") or ""),
                                message=str(data.get("msg") or ""),
                                sub_code=str(data.get("sub_code") or ""),
                                sub_msg=str(data.get("sub_msg") or ""),
                                status=response.status_code, verified=signed)
        if not signed:
            raise VerificationError("Alipay answered without a signature")
        return data

    def start(self, request: PaymentRequest) -> PaymentStart:
        biz = {"out_trade_no": request.order_number, "total_amount": yuan(request.amount_fen),
               "subject": request.description[:256]}
        if request.scene == "page":
            biz["product_code"] = "FAST_INSTANT_TRADE_PAY"
            params = self._params("alipay.trade.page.pay", biz, notify_url=request.notify_url,
                                  return_url=request.return_url)
            return PaymentStart(kind="redirect",
                                redirect_url=f"{self.gateway_url}?{urlencode(params)}")
        data = self._call("alipay.trade.precreate", biz, notify_url=request.notify_url)
        return PaymentStart(kind="qr", qr_code=data["qr_code"])

    def verify_notification(self, headers: dict, body: bytes) -> Notification:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        message = notification_sign_content(params)
        if not rsa.verify(self.alipay_public_key, message, params.get("sign", "")):
            raise VerificationError("Alipay notification signature does not verify")
        return Notification(
            provider=self.provider, order_number=params.get("out_trade_no", ""),
            transaction_id=params.get("trade_no", ""),
            amount_fen=fen(params.get("total_amount", "-1")),
            merchant=params.get("app_id", ""),
            paid=params.get("trade_status") in ("TRADE_SUCCESS", "TRADE_FINISHED"),
            data=params)

    def query(self, order_number: str) -> QueryResult:
        data = self._call("alipay.trade.query", {"out_trade_no": order_number})
        if data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return QueryResult(state="pending")
        state = {"TRADE_SUCCESS": "paid", "TRADE_FINISHED": "paid",
                 "TRADE_CLOSED": "closed"}.get(data.get("trade_status"), "pending")
        return QueryResult(state=state, transaction_id=data.get("trade_no", ""),
                           amount_fen=fen(data.get("total_amount", "0")))

    def close(self, order_number: str) -> None:
        self._call("alipay.trade.close", {"out_trade_no": order_number})

    def refund(self, order_number, refund_number, amount_fen, total_fen) -> RefundResult:
        data = self._call("alipay.trade.refund", {
            "out_trade_no": order_number, "refund_amount": yuan(amount_fen),
            "out_request_no": refund_number})
        return RefundResult(refund_id=refund_number,
                            state="success" if data.get("fund_change") == "Y" else
                            "processing")
