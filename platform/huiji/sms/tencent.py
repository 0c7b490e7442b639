"""Tencent Cloud SMS, API 3.0 SendSms (2021-01-11), signed TC3-HMAC-SHA256.

https://cloud.tencent.com/document/api/382/52071 and the TC3 signature guide: canonical
request -> string to sign -> HMAC chain over date, service and "tc3_request".

Tencent templates take ordered parameters: the provider template is written
`<TemplateId>:<name>,<name>` (for example `1234567:code,minutes`) to say which of our
named parameters go in which position.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from urllib.parse import urlparse

import requests

from huiji.sms.base import SmsBackend, SmsError, SmsTemplateMissing

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
SERVICE = "sms"
VERSION = "2021-01-11"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signature(*, secret_key: str, host: str, payload: str, timestamp: int,
              content_type: str = "application/json; charset=utf-8",
              service: str = SERVICE) -> tuple[str, str]:
    """(signature hex, credential scope) of a POST / request. The date is the UTC date of
    the timestamp (Beijing's is a day later from 16:00 UTC, and is refused)."""
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = (f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
                 + hashlib.sha256(payload.encode()).hexdigest())
    scope = f"{day}/{service}/tc3_request"
    to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
               + hashlib.sha256(canonical.encode()).hexdigest())
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), scope


class TencentSmsBackend(SmsBackend):
    def send(self, *, phone, text, template="", params=None, event="") -> str:
        template = self.require_template(template, event, "Tencent")
        o = self.options
        template_id, _sep, names = template.partition(":")
        if not template_id.strip():
            raise SmsTemplateMissing(f"Tencent SMS: the template code {template!r} for "
                                     f"{event or 'this message'} has no template id")
        values = [str((params or {}).get(n.strip(), "")) for n in names.split(",") if n.strip()]
        number = phone if phone.startswith("+") else f"+86{phone}"
        payload = json.dumps({
            "PhoneNumberSet": [number], "SmsSdkAppId": o["sdk_app_id"],
            "SignName": o["sign_name"], "TemplateId": template_id,
            "TemplateParamSet": values}, ensure_ascii=False, separators=(",", ":"))
        endpoint = o.get("endpoint") or DEFAULT_ENDPOINT
        host = urlparse(endpoint).netloc
        timestamp = int(time.time())
        sig, scope = signature(secret_key=o["access_key_secret"], host=host, payload=payload,
                               timestamp=timestamp)
        headers = {
            "Authorization": (f"TC3-HMAC-SHA256 Credential={o['access_key_id']}/{scope}, "
                              f"SignedHeaders=content-type;host, Signature={sig}"),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": o.get("region") or "ap-guangzhou",
        }
        try:
            response = requests.post(endpoint, data=payload.encode(), headers=headers,
                                     timeout=10)
            body = response.json().get("Response", {})
        except (requests.RequestException, ValueError) as exc:
            raise SmsError(f"Tencent SMS unreachable: {exc}") from exc
        if "Error" in body:
            raise SmsError(f"Tencent SMS refused: {body['Error'].get('Code')} "
                           f"{body['Error'].get('Message')} "
                           f"(RequestId {body.get('RequestId', '-')})")
        status = (body.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            raise SmsError(f"Tencent SMS refused: {status.get('Code')} {status.get('Message')}")
        return status.get("SerialNo", "")
