"""Outbox faults (docs/messages.md, "Faults"): an SMTP server down or hanging keeps the message
waiting with backoff and delivers it once when the server is back; a message that used its
last attempt is 发送失败, listed for staff with its last error, sent again by hand (one or
all, audited) and counted on the operator console."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from shared_apps.platform_stats.services import summary_refresh
from tenant_apps.notifications.models import InboxMessage, OutboxMessage
from tenant_apps.notifications.services import notify, outbox_send
from tenant_apps.notifications.tasks import outbox_sweep
from tenants.models import Association
from tests.faults import SmtpServer, closed_port
from tests.harness import PASSWORD

ACTIVATED = {"member_type": "普通会员", "member_number": "E000000009M",
             "valid_until": "2026-12-31"}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at a local port where nothing listens yet; the test
    starts a server there when "the SMTP server comes back"."""
    port = closed_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.EMAIL_USE_TLS = False
    started = []

    def back(**kwargs) -> SmtpServer:
        server = SmtpServer(port, **kwargs).start()
        started.append(server)
        return server

    yield back
    for server in started:
        server.stop()


def email_of(member) -> OutboxMessage:
    """The e-mail of a member_activated message; its inbox copy is delivered at once (the
    inbox needs no provider)."""
    messages = notify(event="member_activated", user=member, params=ACTIVATED)
    for message in messages:
        if message.channel == "inbox":
            assert outbox_send(message.pk) == "sent"
    return next(m for m in messages if m.channel == "email")


def due_now(message: OutboxMessage) -> None:
    """Time passes: the message's next attempt is due."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_smtp_outage_keeps_the_message_waiting_and_delivers_it_once_when_back(alpha, smtp):
    with schema_context("alpha"):
        member = alpha.user("member")
        email = email_of(member)
        assert outbox_send(email.pk) == "pending"  # connection refused
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("pending", 1)
        assert "ConnectionRefusedError" in email.last_error
        wait = (email.next_attempt_at - timezone.now()).total_seconds()
        assert 25 < wait <= 30  # the first backoff: 30 s
        assert outbox_sweep() == 0  # not due yet: the sweep leaves it alone
        email.refresh_from_db()
        assert email.attempts == 1

        server = smtp()  # the SMTP server is back
        due_now(email)
        assert outbox_sweep() == 1
        email.refresh_from_db()
        assert (email.status, email.attempts, email.last_error) == ("sent", 2, "")
        assert [m["to"] for m in server.messages] == [["<member@alpha.test>"]]
        # a later sweep, a duplicate task: nothing is sent twice
        due_now(email)
        assert outbox_sweep() == 0
        assert outbox_send(email.pk) == "sent"
        assert len(server.messages) == 1


@pytest.mark.django_db
def test_a_hanging_smtp_server_times_out_instead_of_holding_the_worker(alpha, smtp):
    """A server that accepts the connection and never greets: EMAIL_TIMEOUT ends the
    attempt (without it the worker, and the row's lock, would wait for ever)."""
    server = smtp(stall=1)
    with schema_context("alpha"):
        email = email_of(alpha.user("member"))
        started = timezone.now()
        assert outbox_send(email.pk) == "pending"
        assert (timezone.now() - started).total_seconds() < 10
        email.refresh_from_db()
        assert "timed out" in email.last_error
        due_now(email)
        assert outbox_send(email.pk) == "sent"  # the server answers the next connection
    assert server.stalled == 1 and len(server.messages) == 1


def _fail(message: OutboxMessage, attempts: int) -> None:
    for _ in range(attempts):
        due_now(message)
        outbox_send(message.pk)
    message.refresh_from_db()


@pytest.mark.django_db
def test_the_last_attempt_marks_it_failed_for_staff_who_send_it_again(alpha, smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with schema_context("alpha"):
        member = alpha.user("member")
        email = email_of(member)
        _fail(email, 2)
        assert email.status == "pending"
        _fail(email, 1)  # the third and last attempt
        assert (email.status, email.attempts) == ("failed", 3)
        assert "ConnectionRefusedError" in email.last_error
        assert outbox_sweep() == 0  # the sweep no longer tries it

    admin = alpha.client("hq_admin")
    page = text(admin.get("/manage/messages/failed/"))
    assert "发送失败的消息" in page and "发送失败" in page
    assert "1 条消息未能送达" in page
    assert "ConnectionRefusedError" in page  # the last error
    assert "会籍已激活 · 邮箱" in page  # the event and channel, in Chinese
    assert "member@alpha.test" in page
    assert f'data-message="{email.pk}"' in page
    # filtered by channel: no failed SMS
    assert f'data-message="{email.pk}"' not in admin.get(
        "/manage/messages/failed/?channel=sms").content.decode()
    assert f'data-message="{email.pk}"' in admin.get(
        "/manage/messages/failed/?channel=email&event=member_activated").content.decode()
    # members and roles without the capability do not see it
    assert alpha.client("member").get("/manage/messages/failed/").status_code == 403
    assert alpha.client("finance").get("/manage/messages/failed/").status_code == 403
    assert alpha.client("finance").post("/manage/messages/failed/retry/",
                                        {"id": email.pk}).status_code == 403
    assert alpha.client("secretariat").get("/manage/messages/failed/").status_code == 200

    # 单条重试, with the SMTP server still down: back to 待发送 with a fresh set of attempts
    response = admin.post("/manage/messages/failed/retry/", {"id": email.pk}, follow=True)
    assert "1 条消息正在重新发送" in text(response)
    with schema_context("alpha"):
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("pending", 0)
        entry = AuditEntry.objects.get(action="outbox.retry")
        assert (entry.actor.username, entry.target_id) == ("alpha-hq_admin", str(email.pk))
    # a second click on the stale page retries nothing
    response = admin.post("/manage/messages/failed/retry/", {"id": email.pk}, follow=True)
    assert "无需重新发送" in text(response)
    assert "1 条消息未能送达" not in text(admin.get("/manage/messages/failed/"))

    server = smtp()
    with schema_context("alpha"):
        assert outbox_sweep() == 1
        email.refresh_from_db()
        assert email.status == "sent"
    assert len(server.messages) == 1


@pytest.mark.django_db
def test_retry_all_sends_every_failed_message_of_the_filter_again(alpha, smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    with schema_context("alpha"):
        emails = [email_of(alpha.user("member")), email_of(alpha.user("reviewer"))]
        inbox = InboxMessage.objects.get(user=alpha.user("member")).source
        for email in emails:
            _fail(email, 1)
            assert email.status == "failed"
        # an inbox message that failed too (hand-made: inbox delivery does not fail)
        OutboxMessage.objects.filter(pk=inbox.pk).update(status="failed", attempts=1,
                                                         last_error="test")
    admin = alpha.client("hq_admin")
    assert "3 条消息未能送达" in text(admin.get("/manage/messages/failed/"))
    response = admin.post("/manage/messages/failed/retry/", {"all": "1", "channel": "email"})
    assert response.status_code == 302 and response["Location"].endswith("?channel=email")
    with schema_context("alpha"):
        assert set(OutboxMessage.objects.filter(pk__in=[e.pk for e in emails])
                   .values_list("status", flat=True)) == {"pending"}
        assert OutboxMessage.objects.get(pk=inbox.pk).status == "failed"  # not of the filter
        entry = AuditEntry.objects.get(action="outbox.retry_all")
        assert (entry.data["count"], entry.data["channel"]) == (2, "email")
        server = smtp()
        assert outbox_sweep() == 2
    assert sorted(m["to"][0] for m in server.messages) == ["<member@alpha.test>",
                                                           "<reviewer@alpha.test>"]


@pytest.mark.django_db
def test_the_operator_console_counts_the_failed_message(alpha, smtp, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    association = Association.objects.get(slug="alpha")
    with schema_context("alpha"):
        before = OutboxMessage.objects.filter(status="failed").count()
        email = email_of(alpha.user("member"))
        _fail(email, 1)
        assert email.status == "failed"
    summary = summary_refresh(association)
    assert summary.outbox_failed_7d == before + 1
    assert "outbox" in summary.attention
    operator = Client(HTTP_HOST="localhost")
    assert operator.post("/login/", {"username": "operator", "password": PASSWORD}) \
        .status_code == 302
    page = operator.get("/console/").content.decode()
    row = page[page.index("alpha</small>"):]
    row = row[:row.index("</tr>")]
    assert f">{before + 1}</td>" in row
