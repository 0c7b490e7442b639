"""A local stand-in for the Aliyun and Tencent Cloud SMS gateways, for tests and the demo.

It checks every request's signature the way the real gateways do (with the test keys it was
given), answers in their formats, and keeps what it received:

    GET  /_messages          the messages received, newest last (JSON)
    POST /_control           {"fail": N} makes the next N sends fail like an outage

Run it alone with `python -m huiji.sms.fake_gateway --port 8025 --key test-id:test-secret`.
"""

from __future__ import annotations

import argparse
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

from huiji.sms import aliyun, tencent


class FakeSmsGateway:
    def __init__(self, keys: dict[str, str], host: str = "127.0.0.1", port: int = 0):
        self.keys = keys
        self.messages: list[dict] = []
        self.rejected: list[str] = []
        self.fail = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/_messages":
                    return self._reply(200, {"messages": gateway.messages})
                # Blank parameters are kept, as the real gateway keeps them: they are part
                # of the signed string, and a blank TemplateCode is for it to refuse.
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                return self._reply(*gateway.aliyun(query))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length).decode()
                if self.path == "/_control":
                    gateway.fail = int(json.loads(payload or "{}").get("fail", 0))
                    return self._reply(200, {"fail": gateway.fail})
                return self._reply(*gateway.tencent(dict(self.headers), payload))

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

    def aliyun(self, query: dict) -> tuple[int, dict]:
        given = query.pop("Signature", "")
        secret = self.keys.get(query.get("AccessKeyId", ""))
        if secret is None or not hmac.compare_digest(given, aliyun.sign(query, secret)):
            self.rejected.append("aliyun")
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature "
                         "is not matched with our calculation."}
        if query.get("Action") != "SendSms" or query.get("Version") != "2017-05-25":
            return 400, {"Code": "InvalidAction", "Message": "unknown action"}
        if not query.get("TemplateCode"):
            return 400, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "template code is "
                         "blank"}
        message_id = self._record("aliyun", query["PhoneNumbers"], query["TemplateCode"],
                                  json.loads(query.get("TemplateParam") or "{}"))
        if message_id is None:
            return 503, {"Code": "isp.SYSTEM_ERROR", "Message": "simulated outage"}
        return 200, {"Code": "OK", "Message": "OK", "BizId": message_id,
                     "RequestId": uuid.uuid4().hex}

    def tencent(self, headers: dict, payload: str) -> tuple[int, dict]:
        headers = {k.lower(): v for k, v in headers.items()}
        auth = headers.get("authorization", "")
        try:
            credential = auth.split("Credential=")[1].split(",")[0]
            secret_id, _scope = credential.split("/", 1)
            given = auth.split("Signature=")[1].strip()
            expected, _ = tencent.signature(
                secret_key=self.keys[secret_id], host=headers["host"], payload=payload,
                timestamp=int(headers["x-tc-timestamp"]),
                content_type=headers["content-type"])
            valid = hmac.compare_digest(given, expected)
        except (IndexError, KeyError, ValueError):
            valid = False
        if not valid:
            self.rejected.append("tencent")
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                "Message": "signature mismatch"},
                                      "RequestId": uuid.uuid4().hex}}
        body = json.loads(payload)
        phone = body["PhoneNumberSet"][0]
        message_id = self._record("tencent", phone, body["TemplateId"],
                                  body["TemplateParamSet"])
        if message_id is None:
            return 200, {"Response": {"Error": {"Code": "InternalError",
                                                "Message": "simulated outage"}}}
        return 200, {"Response": {"SendStatusSet": [{"SerialNo": message_id, "PhoneNumber":
                                                     phone, "Code": "Ok", "Message":
                                                     "send success"}],
                                  "RequestId": uuid.uuid4().hex}}

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSmsGateway:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
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
