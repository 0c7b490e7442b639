"""The load test's users (locust), started by bench/load/run.py with LOAD_CONFIG naming the
JSON file it wrote: the server, the associations' hosts, the demo's members and staff, the
pending orders to notify and the keys to sign notifications with.

Every user speaks to gunicorn as nginx would (docs/operations.md): over plain HTTP with
`X-Forwarded-Proto: https` and the client's address in `X-Forwarded-For` (the server trusts
one proxy), so the production settings' secure cookies and CSRF origin checks hold. Request
kinds are named by what a person does ("member: orders"), so the figures group by them.

- Applicant: signs up with an SMS code (asked for on the page, read from the fake SMS
  gateway as from a phone), then goes through the application's first steps: chooses a member
  type, accepts the notices, saves the first form step as a draft.
- Member: logs in once, then reads the member centre, orders, profile and certificates.
- Reviewer and finance staff: log in once, then read the review queue and the member list,
  or finance's order list.
- Gateway: WeChat Pay notifications for the orders run.py left pending, signed with the
  platform key and encrypted with each merchant's APIv3 key as the fake gateway does (the
  adapters' counterparts: huiji.payments.rsa, huiji.payments.wechat); one in three is sent
  twice, as gateways retry. What was sent is written to a file for the exactly-once check.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import sys
import time
import uuid
from pathlib import Path

import requests
from locust import HttpUser, between, constant_pacing, events, task
from requests.cookies import RequestsCookieJar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "platform"))

# The load test plays WeChat Pay: it signs and encrypts as the fake gateway does (the
# providers' algorithms written apart from the adapters, which must verify them).
from huiji.payments.fake_gateway import (  # noqa: E402
    sha256_with_rsa,
    wechat_encrypt,
    wechat_signed_lines,
)

CONFIG = json.loads(Path(os.environ["LOAD_CONFIG"]).read_text("utf-8"))
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FREE_TEXT = re.compile(r"name|school|address|employer|company|department|major|title")
PLAIN_TEXT = re.compile(r'<input id="f_(\w+)" name="\1" value="[^"]*"(?: maxlength="\d+")?>')
SENT: dict[str, int] = {}  # order number -> notifications sent (this process only)
ORDERS = list(CONFIG["orders"])
random.Random(7).shuffle(ORDERS)


class BehindTheProxy(RequestsCookieJar):
    """The browser's cookies. They are Secure (TLS ends at the proxy, in front of this plain
    HTTP), so the jar keeps them as the browser would send them: over this connection too."""

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Visitor(HttpUser):
    """A browser behind the association's proxy."""

    abstract = True
    wait_time = between(1, 3)
    host = CONFIG["server"]

    def on_start(self) -> None:
        self.site = random.choice(self.sites())
        self.address = f"10.{random.randrange(256)}.{random.randrange(256)}." \
                       f"{random.randrange(1, 255)}"
        self._fresh_session()

    def sites(self) -> list[str]:
        return list(CONFIG["sites"])

    def _fresh_session(self) -> None:
        self.client.cookies = BehindTheProxy()
        self.client.headers.update({
            "Host": self.site, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address,
            "Origin": f"https://{self.site}", "Accept-Language": "zh-hans"})

    def page(self, path: str, name: str, **kwargs):
        return self.client.get(path, name=name, **kwargs)

    def form(self, path: str, name: str, data: dict, page_html: str | None = None,
             expect_redirect: bool = True):
        """POST a form as the browser does, with the CSRF token of the page it came from
        (fetched first when not given). A form answered with its page again (not a redirect)
        is a failure: the input was refused."""
        if page_html is None:
            page_html = self.client.get(path, name=f"{name} (page)").text
        found = CSRF_FIELD.search(page_html)
        token = found.group(1) if found else self.client.cookies.get("csrftoken", "")
        with self.client.post(path, data={**data, "csrfmiddlewaretoken": token}, name=name,
                              headers={"Referer": f"https://{self.site}{path}"},
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code >= 400 or (expect_redirect and
                                               response.status_code != 302):
                response.failure(f"{response.status_code}: {_said(response.text)}")
            else:
                response.success()
            return response

    def login(self, identifier: str, password: str) -> bool:
        response = self.form("/login/", "login", {"username": identifier,
                                                  "password": password})
        return response.status_code == 302


class Applicant(Visitor):
    """Sign-up with an SMS code, then the application's first steps."""

    weight = 3
    # Under gunicorn's keepalive (5 s): these users talk to gunicorn directly, and a request
    # sent just as gunicorn closes an idle connection fails (RemoteDisconnected, once in the
    # 10-minute run of 2026-12-08). People reach it through nginx, which lets go first
    # (deploy/nginx.conf: keepalive_timeout 4s in the upstream).
    wait_time = between(2, 4)

    def sites(self) -> list[str]:
        return list(CONFIG["signup_sites"])

    @task
    def sign_up_and_apply(self) -> None:
        # Each sign-up is another person, on another network (the SMS limits count per
        # address).
        self.address = f"10.{random.randrange(256)}.{random.randrange(256)}." \
                       f"{random.randrange(1, 255)}"
        self._fresh_session()
        phone = f"19{random.randrange(10**9):09d}"
        signup = self.page("/signup/", "signup: page").text
        token = CSRF_FIELD.search(signup)
        with self.client.post("/accounts/code/", name="signup: SMS code", data={
                "phone": phone, "purpose": "signup",
                "csrfmiddlewaretoken": token.group(1) if token else ""},
                headers={"Referer": f"https://{self.site}/signup/"},
                catch_response=True) as sent:
            if sent.status_code != 200:
                sent.failure(f"{sent.status_code}: {sent.text[:200]}")
                return
        code = self._code_for(phone)
        if code is None:
            return
        password = "Load-passw0rd-" + secrets.token_hex(3)
        typed = {"name": "压测" + secrets.token_hex(2), "phone": phone, "code": code,
                 "email": f"{phone}@load.example", "password1": password,
                 "password2": password, "hc_token": "", "hc_position": "50"}
        asked = set(re.findall(r'name="(\w+)"', signup))  # this association's sign-up form
        created = self.form("/signup/", "signup: submit",
                            {k: v for k, v in typed.items() if k in asked}, page_html=signup)
        if created.status_code != 302:
            return
        self._apply()

    def _code_for(self, phone: str) -> str | None:
        """The code as the person reads it on their phone: from the fake SMS gateway."""
        began = time.perf_counter()
        for _ in range(50):
            answer = requests.get(CONFIG["sms_codes"], params={"phone": phone}, timeout=10)
            code = answer.json().get("code") if answer.status_code == 200 else None
            if code:
                return code
            time.sleep(0.1)
        events.request.fire(request_type="SMS", name="signup: code arrives",
                            response_time=(time.perf_counter() - began) * 1000,
                            response_length=0, exception=RuntimeError("no SMS code"),
                            context={})
        return None

    def _apply(self) -> None:
        start = self.page("/apply/", "apply: choose type").text
        choice = _application_choice(start)
        if choice is None:
            return
        chosen = self.form("/apply/", "apply: start", choice, page_html=start)
        notices_url = chosen.headers.get("Location", "")
        if not notices_url.endswith("/notices/"):
            return
        accepted = self.form(notices_url, "apply: accept notices", {"accept": "yes"})
        step_url = accepted.headers.get("Location", "")
        if "/step/" not in step_url:
            return
        step = self.page(step_url, "apply: form step").text
        # free text only (names, schools, addresses): no format to get wrong
        fields = [f for f in PLAIN_TEXT.findall(step) if FREE_TEXT.search(f)][:3]
        self.form(step_url, "apply: save draft",
                  {"action": "save", **{f: "压测" for f in fields}}, page_html=step)


def _said(page: str) -> str:
    """What a refused form says: its error messages (or the page's start)."""
    said = re.findall(r'role="alert">(?:<p>)?([^<]+)<', page)
    return " / ".join(said) if said else page[:200]


def _application_choice(page: str) -> dict | None:
    """What a person picks on the apply page: the first member type, its first rank if it has
    ranks, and a referral channel that asks for nothing more where one is asked for."""
    found = re.search(r'name="member_type" value="([^"]+)"', page)
    if found is None:
        return None
    choice = {"member_type": found.group(1)}
    rank = re.search(r'<select name="rank"[^>]*><option value="([^"]+)"', page[found.end():])
    if rank:
        choice["rank"] = rank.group(1)
    referral = re.search(r'<select[^>]* name="referral"[^>]*>(.*?)</select>', page, re.S)
    if referral:
        values = [v for v in re.findall(r'<option value="([^"]*)"', referral.group(1)) if v]
        if values:
            choice["referral"] = next((v for v in values if "other" in v), values[-1])
    return choice


class Member(Visitor):
    """A member reading their pages."""

    weight = 8

    def on_start(self) -> None:
        person = random.choice(CONFIG["members"])
        self.site = person["host"]
        self.address = f"10.1.{random.randrange(256)}.{random.randrange(1, 255)}"
        self._fresh_session()
        self.ready = self.login(person["login"], CONFIG["member_password"])

    @task(3)
    def home(self) -> None:
        self.page("/member/", "member: centre")

    @task(2)
    def orders(self) -> None:
        self.page("/member/orders/", "member: orders")

    @task(1)
    def profile(self) -> None:
        self.page("/member/profile/", "member: profile")

    @task(1)
    def certificates(self) -> None:
        self.page("/member/certificates/", "member: certificates")


class Reviewer(Visitor):
    """An HQ administrator working the queues."""

    weight = 2

    def on_start(self) -> None:
        person = random.choice(CONFIG["admins"])
        self.site = person["host"]
        self.address = f"10.2.0.{random.randrange(1, 255)}"
        self._fresh_session()
        self.login(person["login"], CONFIG["admin_password"])

    @task(2)
    def review(self) -> None:
        self.page("/review/", "staff: review queue")

    @task(2)
    def members(self) -> None:
        self.page("/manage/members/", "staff: member list")

    @task(1)
    def search(self) -> None:
        self.page("/manage/members/?q=" + random.choice("王李张刘陈"), "staff: member search")


class Finance(Visitor):
    """Finance reading its order list and the notifications."""

    weight = 1

    def on_start(self) -> None:
        person = random.choice(CONFIG["finance"])
        self.site = person["host"]
        self.address = f"10.3.0.{random.randrange(1, 255)}"
        self._fresh_session()
        self.login(person["login"], CONFIG["staff_password"])

    @task(3)
    def orders(self) -> None:
        self.page("/finance/orders/", "staff: finance orders")

    @task(1)
    def notices(self) -> None:
        self.page("/finance/notifications/", "staff: payment notifications")


class Gateway(HttpUser):
    """WeChat Pay sending payment notifications, each order's once and one in three twice."""

    weight = 2
    wait_time = constant_pacing(1)
    host = CONFIG["server"]

    @task
    def notify(self) -> None:
        if not ORDERS:
            return
        order = ORDERS.pop()
        headers, body = _notification(order)
        self._post(order, headers, body, "notify: first delivery")
        if random.random() < 1 / 3:
            self._post(order, headers, body, "notify: gateway retry")

    def _post(self, order: dict, headers: dict, body: bytes, name: str) -> None:
        SENT[order["number"]] = SENT.get(order["number"], 0) + 1
        with self.client.post("/payments/notify/wechat/", data=body, name=name,
                              headers={**headers, "Host": order["host"]},
                              catch_response=True) as response:
            if response.status_code != 204:
                response.failure(f"{response.status_code}: {response.text[:200]}")


def _notification(order: dict) -> tuple[dict, bytes]:
    """A paid trade's notification as WeChat Pay sends it (APIv3: the resource encrypted with
    the merchant's APIv3 key, the envelope signed with the platform's private key)."""
    resource = wechat_encrypt(order["api_v3_key"], json.dumps({
        "mchid": order["mchid"], "appid": order["appid"], "out_trade_no": order["number"],
        "transaction_id": order["transaction_id"], "trade_type": "NATIVE",
        "trade_state": "SUCCESS", "amount": {"total": order["amount_fen"],
                                             "payer_total": order["amount_fen"],
                                             "currency": "CNY"}}, ensure_ascii=False),
        "transaction")
    body = json.dumps({"id": str(uuid.uuid4()), "create_time": time.strftime(
        "%Y-%m-%dT%H:%M:%S+08:00"), "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS", "resource": resource}, ensure_ascii=False)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = sha256_with_rsa(CONFIG["platform_private"],
                                wechat_signed_lines(timestamp, nonce, body))
    return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature, "Wechatpay-Serial": CONFIG["platform_serial"],
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Content-Type": "application/json"}, body.encode()


@events.quitting.add_listener
def _write_sent(environment, **_kwargs) -> None:
    Path(CONFIG["sent_file"]).write_text(json.dumps(SENT), "utf-8")
