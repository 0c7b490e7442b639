"""Aliyun (Alibaba Cloud) SMS, dysmsapi SendSms, RPC-style signature version 1.0.

https://help.aliyun.com/document_detail/101343.html (POP signature): sort the parameters,
percent-encode per RFC 3986 (only A-Z a-z 0-9 - _ . ~ left as they are: a space is %20, `*`
is %2A), sign `GET&%2F&<encoded query>` with HMAC-SHA1 using `AccessKeySecret + "&"`,
base64. Every parameter sent is signed, blank ones included.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote

import requests

from huiji.sms.base import SmsBackend, SmsError

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                    for k, v in sorted(params.items()))


def sign(params: dict[str, str], secret: str, method: str = "GET") -> str:
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(SmsBackend):
    def send(self, *, phone, text, template="", params=None, event="") -> str:
        template = self.require_template(template, event, "Aliyun")
        o = self.options
        query = {
            "AccessKeyId": o["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": o.get("region") or "cn-hangzhou",
            "SignName": o["sign_name"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(params or {}, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = sign(query, o["access_key_secret"])
        try:
            response = requests.get(o.get("endpoint") or DEFAULT_ENDPOINT, params=query,
                                    timeout=10)
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SmsError(f"Aliyun SMS unreachable: {exc}") from exc
        if body.get("Code") != "OK":
            raise SmsError(f"Aliyun SMS refused: {body.get('Code')} {body.get('Message')} "
                           f"(RequestId {body.get('RequestId', '-')})")
        return body.get("BizId", "")
