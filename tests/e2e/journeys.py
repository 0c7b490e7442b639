"""Steps shared by the whole-journey browser tests (test_manual_journeys.py): staff invited on
the staff page and activated through the link they were sent, reviews, payments, and the
check of every SMS, email and in-site message a journey sent."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django_tenants.utils import schema_context

from tests.e2e.conftest import login

STAFF_PASSWORD = "Staff-Journey-2026!"
# A placeholder left in a message: {name}, {member_number} ...
PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
# Three English words in a row: a sentence (or its remains) in a Chinese message. Links and
# addresses are taken out first; names such as "CMES" stand alone.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[\s,.'’-]+[A-Za-z]{2,}){2,}")
LINKS = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(LINKS.sub(" ", text))


@dataclass
class Journey:
    """One association's journey: its site, the fake SMS gateway the server sends to, and
    the messages sent since the journey began."""

    slug: str
    server: int
    gateway: object
    blocker: object
    outbox_mark: int = 0
    sms_mark: int = 0
    staff: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://{self.slug}.localhost:{self.server}"

    def _read(self, fn):
        with self.blocker.unblock(), schema_context(self.slug):
            result = fn()
        connection.set_schema_to_public()
        return result

    def association_name(self) -> str:
        from tenants.models import Association

        with self.blocker.unblock():
            connection.set_schema_to_public()
            return Association.objects.get(slug=self.slug).name

    def begin(self) -> Journey:
        from tenant_apps.notifications.models import OutboxMessage

        self.outbox_mark = self._read(lambda: max(
            OutboxMessage.objects.values_list("pk", flat=True), default=0))
        self.sms_mark = len(self.gateway.messages)
        return self

    def outbox(self) -> list[dict]:
        from tenant_apps.notifications.models import InboxMessage, OutboxMessage

        def rows():
            found = []
            for m in OutboxMessage.objects.filter(pk__gt=self.outbox_mark).order_by("pk"):
                inbox = InboxMessage.objects.filter(source=m).first()
                found.append({"pk": m.pk, "event": m.event, "channel": m.channel,
                              "address": m.address, "subject": m.subject, "body": m.body,
                              "status": m.status, "error": m.last_error,
                              "recipient": str(m.recipient) if m.recipient else "",
                              "inbox": (inbox.title, inbox.body) if inbox else None})
            return found

        return self._read(rows)

    def sent_sms(self) -> list[dict]:
        return self.gateway.messages[self.sms_mark:]

    def message(self, event: str, channel: str, address: str | None = None) -> dict:
        found = [m for m in self.outbox() if m["event"] == event and m["channel"] == channel
                 and (address is None or m["address"] == address)]
        assert len(found) == 1, (event, channel, address, found)
        return found[0]

    # --- staff ---------------------------------------------------------------------------

    def invite(self, admin, *, name: str, roles: list[str], phone: str | None = None,
               email: str | None = None, branches: tuple[str, ...] = (),
               role_label: str) -> str:
        """An HQ administrator (logged in on `admin`) invites a person on the staff page; the
        person opens the one-time link from their SMS (or else their email), chooses a
        password and logs in. Returns what they log in with."""
        admin.goto(f"{self.base}/manage/staff/")
        admin.click("text=邀请工作人员")
        admin.fill("#id_name", name)
        if phone:
            admin.fill("#id_phone", phone)
        if email:
            admin.fill("#id_email", email)
        for role in roles:
            admin.check(f"input[name=roles][value={role}]")
        for branch in branches:
            admin.check(f"input[name=branches][value={branch}]")
        admin.click("main form[method=post] button[type=submit]")
        admin.wait_for_load_state()
        assert f"已邀请 {name}" in admin.locator("main").inner_text()
        association = self.association_name()
        expected = f"{name}，{association} 已将您设为工作人员（{role_label}）"
        if phone:
            sms = [m for m in self.sent_sms() if m["phone"] == phone]
            assert len(sms) == 1, sms
            assert sms[0]["template"] == "SMS_E2E_STAFF_INVITED"
            link = sms[0]["params"]["link"]
            assert sms[0]["params"]["name"] == name
            assert sms[0]["params"]["roles"] == role_label
            body = self.message("staff_invited", "sms", phone)["body"]
        else:
            body = self.message("staff_invited", "email", email)["body"]
            link = re.search(r"(https?://\S+/reset/\S+/)", body).group(1)
        assert body.startswith(expected), body
        assert "3 天内" in body or "3天内" in body, body
        assert link in body
        page = admin.context.browser.new_context(locale="zh-CN").new_page()
        page.goto(link)
        page.fill("#id_new_password1", STAFF_PASSWORD)
        page.fill("#id_new_password2", STAFF_PASSWORD)
        page.click("main form[method=post] button[type=submit]")
        page.wait_for_url("**/login/?activated=1")
        page.context.close()
        self.staff[name] = phone or email
        return phone or email

    def as_staff(self, page, identifier: str) -> None:
        page.context.clear_cookies()
        login(page, self.base, identifier, STAFF_PASSWORD)
        assert "/login/" not in page.url, page.locator("main").inner_text()

    def review(self, page, applicant: str, *, step: str) -> None:
        """The staff member logged in on `page` opens the applicant's application from the
        review queue and approves the step it waits at."""
        page.goto(f"{self.base}/review/")
        # The row names the unit by its form's answer and the account beside it.
        page.locator("main tr", has_text=applicant).first.locator("a").first.click()
        assert step in page.locator("main").inner_text()
        page.click("button[value=approve]")
        page.wait_for_url(re.compile(r".*/review/$"))

    def confirm_voucher(self, page, reference: str) -> None:
        page.goto(f"{self.base}/finance/vouchers/")
        page.locator("tr", has_text=reference).locator("a").click()
        page.click("button[value=accept]")
        page.wait_for_url(re.compile(r".*/finance/vouchers/$"))

    # --- messages ------------------------------------------------------------------------

    def check_messages(self, expected: list[tuple[str, str, str]]) -> list[dict]:
        """Every message of the journey: exactly the (event, channel, address) expected, each
        delivered, no placeholder left, no English sentence; each SMS reached the gateway
        with its event's template code and its values."""
        sent = self.outbox()
        got = Counter((m["event"], m["channel"], m["address"]) for m in sent)
        assert got == Counter(expected), (
            f"missing {sorted((Counter(expected) - got).elements())}, "
            f"unexpected {sorted((got - Counter(expected)).elements())}")
        gateway = self.sent_sms()
        for m in sent:
            text = f"{m['subject']}\n{m['body']}"
            assert m["status"] == "sent", m
            assert not PLACEHOLDER.search(text), m
            assert not english_in(text), (english_in(text), m)
            if m["channel"] == "inbox":
                assert m["inbox"] and not PLACEHOLDER.search(" ".join(m["inbox"])), m
            if m["channel"] == "sms":
                code = f"SMS_E2E_{m['event'].upper()}"
                matches = [g for g in gateway if g["phone"] == m["address"]
                           and g["template"] == code]
                assert matches, (m, gateway)
                assert matches[0]["params"].get("name"), matches[0]
        return sent


def pay_online(page, base: str, method: str, amount: str, *, years: str | None = None) -> None:
    """From the member centre: pay the joining fee by WeChat Pay or Alipay QR code; the
    payer's phone "scans" the code and pays at the (fake) gateway."""
    page.goto(f"{base}/member/")
    page.click("a:has-text('缴纳会费')")
    if years:
        page.check(f"input[name=years][value='{years}']")
    page.click("main form[method=post] button[type=submit]")
    page.click(f"button:has-text('{method}')")
    scan_url = page.locator("a.qr-link").get_attribute("href")
    payer = page.context.new_page()
    payer.goto(scan_url)
    assert f"¥{amount}" in payer.content()
    payer.click("button:has-text('确认支付')")
    assert "支付成功" in payer.content()
    payer.close()
    page.wait_for_url(re.compile(r".*/member/orders/\d+/$"), timeout=15000)


def pay_by_transfer(page, base: str, *, payer: str | None = None) -> str:
    """From the member centre: pay one year by bank transfer and upload the voucher; returns
    the order's transfer reference, which finance finds it by."""
    from tests.e2e.conftest import PNG

    page.goto(f"{base}/member/")
    page.click("a:has-text('缴纳会费')")
    page.click("main form[method=post] button[type=submit]")
    reference = page.locator(".transfer-ref strong").inner_text()
    page.set_input_files("input[name=file]", files=[{
        "name": "汇款回单.png", "mimeType": "image/png", "buffer": PNG}])
    if payer and page.locator("input[name=payer_name]").count():
        page.fill("input[name=payer_name]", payer)
    page.click("#voucher-form button[type=submit]")
    assert "待确认收款" in page.locator(".order-status").inner_text()
    return reference
