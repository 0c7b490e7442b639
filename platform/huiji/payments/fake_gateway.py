"""A local fake of WeChat Pay (API v3) and Alipay (open API) for tests and the demo.

It verifies each merchant request's signature with the merchant's registered public key,
answers signed like the real gateways, keeps the trades, and sends payment notifications to
the merchant's notify_url: signed and (WeChat) AEAD-encrypted, and on request duplicated,
late, tampered or for a different amount. Its QR codes point at its own "scan" page, where a
person in the demo confirms the payment.

    python -m huiji.payments.fake_gateway --port 8026
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import requests

from huiji.payments import rsa
from huiji.payments.alipay import CHINA, content_to_sign, fen, yuan
from huiji.payments.wechat import encrypt_resource, request_message, response_message

PLATFORM_SERIAL = "FAKEPLATFORM0001"


class FakePaymentGateway:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: dict | None = None):
        state = state or {}
        if state.get("platform_private"):
            self.platform_private, self.platform_public = state["platform_private"], \
                state["platform_public"]
            self.alipay_private, self.alipay_public = state["alipay_private"], \
                state["alipay_public"]
        else:
            self.platform_private, self.platform_public = rsa.new_key_pair()
            self.alipay_private, self.alipay_public = rsa.new_key_pair()
        # mchid -> serial, public_key, api_v3_key ; app_id -> public key
        self.wechat_merchants: dict[str, dict] = dict(state.get("wechat_merchants", {}))
        self.alipay_apps: dict[str, str] = dict(state.get("alipay_apps", {}))
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
                if url.path.startswith("/scan/"):
                    _, _, provider, number = url.path.split("/", 3)
                    return self._send(200, gateway.scan_page(provider, number).encode(),
                                      "text/html; charset=utf-8")
                if url.path == "/gateway.do":  # page pay: the payer's browser arrives here
                    params = dict(parse_qsl(url.query))
                    return self._send(*gateway.alipay(params))
                return self._send(404, b"{}", "application/json")

            def do_POST(self):
                url = urlparse(self.path)
                body = self._body()
                if url.path.startswith("/v3/"):
                    return self._send(*gateway.wechat("POST", self.path, self.headers,
                                                      body.decode()))
                if url.path == "/gateway.do":
                    return self._send(*gateway.alipay(dict(parse_qsl(body.decode()))))
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
                        api_v3_key: str) -> None:
        self.wechat_merchants[mchid] = {"serial": serial, "public_key": public_key,
                                        "api_v3_key": api_v3_key}

    def register_alipay(self, *, app_id: str, public_key: str) -> None:
        self.alipay_apps[app_id] = public_key

    # --- WeChat Pay --------------------------------------------------------------------------

    def _wechat_reply(self, status: int, data: dict | None) -> tuple[int, bytes, str, dict]:
        body = "" if data is None else json.dumps(data, ensure_ascii=False)
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = rsa.sign(self.platform_private, response_message(timestamp, nonce, body))
        return status, body.encode(), "application/json", {
            "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature, "Wechatpay-Serial": PLATFORM_SERIAL}

    def wechat(self, method: str, path: str, headers, body: str):
        auth = headers.get("Authorization", "")
        fields = dict(part.split("=", 1) for part in
                      auth.removeprefix("WECHATPAY2-SHA256-RSA2048 ").split(",") if "=" in part)
        fields = {k: v.strip('"') for k, v in fields.items()}
        merchant = self.wechat_merchants.get(fields.get("mchid", ""))
        message = request_message(method, path, fields.get("timestamp", ""),
                                  fields.get("nonce_str", ""), body)
        if merchant is None or fields.get("serial_no") != merchant["serial"] or \
                not rsa.verify(merchant["public_key"], message, fields.get("signature", "")):
            self.rejected.append("wechat")
            return self._wechat_reply(401, {"code": "SIGN_ERROR", "message": "签名错误"})
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
            self.trades[number] = {"provider": "wechat", "merchant": mchid,
                                   "app_id": data["appid"], "amount": data["amount"]["total"],
                                   "notify_url": data["notify_url"], "status": "NOTPAY",
                                   "transaction_id": ""}
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

    # --- Alipay ------------------------------------------------------------------------------

    def _alipay_reply(self, method: str, data: dict) -> tuple[int, bytes, str]:
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        key = method.replace(".", "_") + "_response"
        body = f'{{"{key}":{raw},"sign":"{rsa.sign(self.alipay_private, raw)}"}}'
        return 200, body.encode(), "application/json; charset=utf-8"

    def alipay(self, params: dict):
        method = params.get("method", "")
        public = self.alipay_apps.get(params.get("app_id", ""))
        if public is None or not rsa.verify(public, content_to_sign(params),
                                            params.get("sign", "")):
            self.rejected.append("alipay")
            return self._alipay_reply(method, {"code": "40002", "msg": "Invalid Arguments",
                                               "sub_code": "isv.invalid-signature",
                                               "sub_msg": "验签出错"})
        biz = json.loads(params.get("biz_content") or "{}")
        number = biz.get("out_trade_no", "")
        if method in ("alipay.trade.precreate", "alipay.trade.page.pay"):
            self.trades[number] = {"provider": "alipay", "merchant": params["app_id"],
                                   "amount": fen(biz["total_amount"]),
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
                "total_amount": yuan(trade["amount"])})
        if method == "alipay.trade.close":
            if trade["status"] == "WAIT_BUYER_PAY":
                trade["status"] = "TRADE_CLOSED"
            return self._alipay_reply(method, {"code": "10000", "msg": "Success"})
        if method == "alipay.trade.refund":
            trade["status"] = "TRADE_CLOSED"
            return self._alipay_reply(method, {"code": "10000", "msg": "Success",
                                               "fund_change": "Y",
                                               "refund_fee": biz["refund_amount"]})
        return self._alipay_reply(method, {"code": "40004", "msg": "unknown method"})

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

    def notification(self, number: str, *, amount: int | None = None,
                     tamper: bool = False) -> tuple[dict, bytes]:
        """(headers, body) of the notification of a paid trade, as the provider sends it;
        `amount` to lie about the amount (signed correctly), `tamper` to break the
        signature."""
        trade = self.trades[number]
        total = trade["amount"] if amount is None else amount
        if trade["provider"] == "wechat":
            merchant = self.wechat_merchants[trade["merchant"]]
            resource = encrypt_resource(merchant["api_v3_key"], {
                "mchid": trade["merchant"], "appid": trade["app_id"], "out_trade_no": number,
                "transaction_id": trade["transaction_id"], "trade_type": "NATIVE",
                "trade_state": "SUCCESS", "amount": {"total": total, "payer_total": total,
                                                     "currency": "CNY"}})
            body = json.dumps({"id": str(uuid.uuid4()), "create_time": time.strftime(
                "%Y-%m-%dT%H:%M:%S+08:00"), "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS", "resource": resource}, ensure_ascii=False)
            timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
            signature = rsa.sign(self.platform_private, response_message(timestamp, nonce,
                                                                         body))
            if tamper:
                signature = signature[:-4] + ("AAAA" if not signature.endswith("AAAA")
                                              else "BBBB")
            return ({"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
                     "Wechatpay-Signature": signature, "Wechatpay-Serial": PLATFORM_SERIAL,
                     "Content-Type": "application/json"}, body.encode())
        import datetime as dt
        from urllib.parse import urlencode

        params = {"notify_time": dt.datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                  "notify_type": "trade_status_sync", "notify_id": uuid.uuid4().hex,
                  "app_id": trade["merchant"], "charset": "utf-8", "version": "1.0",
                  "sign_type": "RSA2", "trade_no": trade["transaction_id"],
                  "out_trade_no": number, "trade_status": "TRADE_SUCCESS",
                  "total_amount": yuan(total), "receipt_amount": yuan(total)}
        params["sign"] = rsa.sign(self.alipay_private,
                                  content_to_sign(params, exclude=("sign", "sign_type")))
        if tamper:
            params["total_amount"] = yuan(total + 100)
        return ({"Content-Type": "application/x-www-form-urlencoded"},
                urlencode(params).encode())

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
                f'<p>金额 ¥{yuan(trade["amount"])}</p>'
                f'<form method="post" action="/scan/{provider}/{number}/pay">'
                f'<button type="submit">确认支付</button></form>')

    def state(self) -> dict:
        """Everything another process needs to stand in for this gateway: its keys and the
        merchants it knows (the demo writes it to a file both processes read)."""
        return {"platform_private": self.platform_private,
                "platform_public": self.platform_public,
                "alipay_private": self.alipay_private, "alipay_public": self.alipay_public,
                "wechat_merchants": self.wechat_merchants, "alipay_apps": self.alipay_apps}

    def start(self) -> FakePaymentGateway:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
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
