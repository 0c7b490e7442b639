"""A local stand-in for the Aliyun and Tencent Cloud SMS gateways, for tests and the demo.

It checks every request's signature the way the real gateways do (with the test keys it was
given), answers in their formats, and keeps what it received:

    GET  /_messages          the messages received, newest last (JSON)
    POST /_control           {"fail": N} makes the next N sends fail like an outage

It is an independent implementation: it imports nothing from the adapters (huiji.sms.*).
Aliyun's RPC signature v1 and Tencent's TC3-HMAC-SHA256 are written again below from the
providers' documents, so a signing bug in an adapter is refused here instead of being shared
(huiji/sms/tests/test_conformance.py holds both to the providers' SDKs).

Run it alone with `python -m huiji.sms.fake_gateway --port 8025 --key test-id:test-secret`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

# --- Aliyun RPC signature, version 1.0 (HMAC-SHA1) ----------------------------------------
# https://help.aliyun.com/document_detail/315526.html: percent-encode names and values with
# UTF-8, leaving only A-Z a-z 0-9 - _ . ~ as they are (so a space is %20, * is %2A and ~ is
# ~), sort by name, join name=value with &, then sign
# "METHOD&%2F&" + percent-encode(that query) with the key "AccessKeySecret&".

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def aliyun_percent_encode(text: str) -> str:
    return "".join(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}"
                   for byte in str(text).encode("utf-8"))


def aliyun_string_to_sign(method: str, params: dict[str, str]) -> str:
    query = "&".join(f"{aliyun_percent_encode(name)}={aliyun_percent_encode(params[name])}"
                     for name in sorted(params))
    return f"{method.upper()}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(query)}"


def aliyun_signature(method: str, params: dict[str, str], secret: str) -> str:
    mac = hmac.new((secret + "&").encode("utf-8"),
                   aliyun_string_to_sign(method, params).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


# --- Tencent Cloud API 3.0, TC3-HMAC-SHA256 ------------------------------------------------
# https://cloud.tencent.com/document/api/382/52072: a canonical request of method, URI,
# query, the signed headers (content-type and host, lower-case names) and the payload's
# SHA-256; a string to sign of the algorithm, the timestamp, the scope
# "<UTC date>/<service>/tc3_request" and the canonical request's SHA-256; the key derived
# by HMAC-SHA256 from "TC3" + SecretKey over the UTC date, the service, "tc3_request".

def tencent_utc_date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()


def tencent_signature(*, secret_key: str, service: str, timestamp: int, method: str,
                      query: str, content_type: str, host: str, payload: bytes) -> str:
    canonical = "\n".join([method, "/", query, f"content-type:{content_type}\nhost:{host}\n",
                           "content-type;host", hashlib.sha256(payload).hexdigest()])
    scope = f"{tencent_utc_date(timestamp)}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = ("TC3" + secret_key).encode("utf-8")
    for part in (tencent_utc_date(timestamp), service, "tc3_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class FakeSmsGateway:
    def __init__(self, keys: dict[str, str], host: str = "127.0.0.1", port: int = 0):
        self.keys = keys
        self.messages: list[dict] = []
        self.rejected: list[str] = []
        # Every request as it arrived, for tests to check with the providers' SDKs.
        self.requests: list[dict] = []
        self.fail = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/_messages":
                    return self._reply(200, {"messages": gateway.messages})
                # Blank parameters are kept, as the real gateway keeps them: they are part
                # of the signed string (the SDK sends SignatureType=), and a blank
                # TemplateCode is for the gateway to refuse.
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                return self._reply(*gateway.aliyun("GET", query))

            def do_POST(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length)
                if url.path == "/_control":
                    gateway.fail = int(json.loads(payload or b"{}").get("fail", 0))
                    return self._reply(200, {"fail": gateway.fail})
                if self.headers.get("Authorization", "").startswith("TC3-HMAC-SHA256"):
                    return self._reply(*gateway.tencent(dict(self.headers), url.query,
                                                        payload))
                # Aliyun RPC by POST: the parameters in the query and the form body, all
                # of them signed.
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                params.update(parse_qsl(payload.decode("utf-8"), keep_blank_values=True))
                return self._reply(*gateway.aliyun("POST", params))

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_port}/"

    # --- protocols -------------------------------------------------------------------------

    def _record(self, provider: str, phone: str, template: str, params) -> str | None:
        with self._lock:
            if self.fail > 0:
                self.fail -= 1
                return None
            message_id = uuid.uuid4().hex
            self.messages.append({"provider": provider, "phone": phone, "template": template,
                                  "params": params, "id": message_id})
            return message_id

    @staticmethod
    def _aliyun_error(status: int, code: str, message: str) -> tuple[int, dict]:
        """Aliyun's error shape, which its SDK reads: RequestId, HostId, Code, Message,
        Recommend."""
        request_id = str(uuid.uuid4()).upper()
        return status, {"RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com",
                        "Code": code, "Message": message,
                        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}"
                                     f"&product=Dysmsapi&requestId={request_id}"}

    def aliyun(self, method: str, params: dict) -> tuple[int, dict]:
        self.requests.append({"provider": "aliyun", "method": method, "params": dict(params)})
        params = dict(params)
        given = params.pop("Signature", "")
        secret = self.keys.get(params.get("AccessKeyId", ""))
        if secret is None:
            self.rejected.append("aliyun")
            return self._aliyun_error(404, "InvalidAccessKeyId.NotFound",
                                      "Specified access key is not found.")
        expected = aliyun_signature(method, params, secret)
        if params.get("SignatureMethod") != "HMAC-SHA1" or \
                params.get("SignatureVersion") != "1.0" or \
                not hmac.compare_digest(given, expected):
            self.rejected.append("aliyun")
            return self._aliyun_error(
                400, "SignatureDoesNotMatch", "Specified signature is not matched with our "
                f"calculation. server string to sign is:{aliyun_string_to_sign(method, params)}")
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return self._aliyun_error(400, "InvalidAction.NotFound",
                                      "Specified api is not found, please check your url "
                                      "and method.")
        if not params.get("TemplateCode"):
            return self._aliyun_error(400, "isv.SMS_TEMPLATE_ILLEGAL",
                                      "该账号下找不到对应模板")
        message_id = self._record("aliyun", params.get("PhoneNumbers", ""),
                                  params["TemplateCode"],
                                  json.loads(params.get("TemplateParam") or "{}"))
        if message_id is None:
            return self._aliyun_error(503, "ServiceUnavailable",
                                      "The request has failed due to a temporary failure "
                                      "of the server (simulated outage).")
        return 200, {"Code": "OK", "Message": "OK", "BizId": message_id,
                     "RequestId": str(uuid.uuid4()).upper()}

    def tencent(self, headers: dict, query: str, payload: bytes) -> tuple[int, dict]:
        headers = {k.lower(): v for k, v in headers.items()}
        self.requests.append({"provider": "tencent", "headers": headers, "query": query,
                              "payload": payload})
        request_id = str(uuid.uuid4())

        def error(code: str, message: str) -> tuple[int, dict]:
            return 200, {"Response": {"Error": {"Code": code, "Message": message},
                                      "RequestId": request_id}}

        auth = headers.get("authorization", "")
        try:
            _algorithm, rest = auth.split(" ", 1)
            parts = dict(part.strip().split("=", 1) for part in rest.split(","))
            secret_id, date, service, terminator = parts["Credential"].split("/")
            timestamp = int(headers["x-tc-timestamp"])
            secret = self.keys[secret_id]
            expected = tencent_signature(
                secret_key=secret, service=service, timestamp=timestamp, method="POST",
                query=query, content_type=headers["content-type"], host=headers["host"],
                payload=payload)
            valid = (date == tencent_utc_date(timestamp) and service == "sms"
                     and terminator == "tc3_request"
                     and parts.get("SignedHeaders") == "content-type;host"
                     and hmac.compare_digest(parts.get("Signature", ""), expected))
        except (ValueError, KeyError):
            valid = False
        if not valid:
            self.rejected.append("tencent")
            return error("AuthFailure.SignatureFailure",
                         "The provided credentials could not be validated. Please check "
                         "your signature is correct.")
        if headers.get("x-tc-action") != "SendSms" or \
                headers.get("x-tc-version") != "2021-01-11":
            return error("InvalidAction", "The action does not exist.")
        body = json.loads(payload)
        phone = body["PhoneNumberSet"][0]
        message_id = self._record("tencent", phone, body["TemplateId"],
                                  body.get("TemplateParamSet", []))
        if message_id is None:
            return error("InternalError", "simulated outage")
        return 200, {"Response": {"SendStatusSet": [{
            "SerialNo": message_id, "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
            "Code": "Ok", "Message": "send success", "IsoCode": "CN"}],
            "RequestId": request_id}}

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSmsGateway:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--key", action="append", default=["test-id:test-secret"],
                        help="access key id and secret, id:secret (repeatable)")
    args = parser.parse_args()
    keys = dict(k.split(":", 1) for k in args.key)
    gateway = FakeSmsGateway(keys, port=args.port)
    print(f"fake SMS gateway on {gateway.url}")
    gateway.server.serve_forever()


if __name__ == "__main__":
    main()
