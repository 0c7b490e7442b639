"""The demo retries failed deliveries: with eager Celery there is no beat, so
`deploy/local/demo` runs `manage.py outbox_sweeper` beside the server. A message whose first
delivery failed (the SMTP server down) is delivered by that process, with the demo's own
settings, once the server is back, and only once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.faults import SmtpServer, closed_port, wait_for
from tests.harness import in_thread
from tests.test_celery_worker import database_url

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_starts_the_sweeper():
    demo = (ROOT / "deploy" / "local" / "demo").read_text()
    assert "manage.py outbox_sweeper --every 60 &" in demo
    assert "$sweeper" in demo  # and stops it with the server


def _smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


@pytest.mark.django_db
def test_the_sweeper_delivers_a_message_that_failed_once(alpha, settings, tmp_path):
    from tenant_apps.notifications.models import OutboxMessage
    from tenant_apps.notifications.services import outbox_send

    port = closed_port()
    _smtp_settings(settings, port)

    def failed_once():
        # committed (the sweeper is another process); first attempt against the closed port
        with schema_context("alpha"):
            message = OutboxMessage.objects.create(
                event="member_activated", channel="email", address="member@alpha.test",
                subject="入会成功", body="您已成为正式会员。", next_attempt_at=timezone.now())
            assert outbox_send(message.pk) == "pending"
            # the 30-second backoff has passed
            OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
            return message.pk

    def row(pk):
        with schema_context("alpha"):
            return OutboxMessage.objects.get(pk=pk)

    def drop(pk):
        with schema_context("alpha"):
            OutboxMessage.objects.filter(pk=pk).delete()

    pk = in_thread(failed_once)
    smtp = SmtpServer(port).start()  # the SMTP server is back
    # the demo's settings: development, eager Celery (no broker), no beat
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.development",
           "DATABASE_URL": database_url(), "DEBUG": "0",
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    env.pop("CELERY_BROKER_URL", None)
    log = tmp_path / "sweeper.log"
    proc = subprocess.Popen([sys.executable, "manage.py", "outbox_sweeper", "--every", "1"],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: len(smtp.messages) == 1, 60, "the sweeper to deliver the message")
        wait_for(lambda: in_thread(row, pk).status == "sent", 30, "the row to be sent")
        found = in_thread(row, pk)
        assert (found.status, found.attempts) == ("sent", 2)
        wait_for(lambda: log.read_text().count("outbox sweep:") >= 1, 30, "its log line")
        assert "alpha 1" in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        smtp.stop()
        in_thread(drop, pk)
    assert len(smtp.messages) == 1  # further sweeps sent nothing again


@pytest.mark.django_db
def test_one_sweep_by_hand(alpha, settings):
    """`outbox_sweeper --once`: what an operator runs to deliver what is due now."""
    from io import StringIO

    from tenant_apps.notifications.services import notify, outbox_send

    port = closed_port()
    _smtp_settings(settings, port)
    with schema_context("alpha"):
        messages = notify(event="member_activated", user=alpha.user("member"), params={
            "member_type": "普通会员", "member_number": "E000000009M",
            "valid_until": "2026-12-31"})
        email = next(m for m in messages if m.channel == "email")
        assert outbox_send(email.pk) == "pending"
        type(email).objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    smtp = SmtpServer(port).start()
    try:
        out = StringIO()
        call_command("outbox_sweeper", "--once", stdout=out)
        assert "alpha 2" in out.getvalue()  # the e-mail and its inbox copy
        with schema_context("alpha"):
            email.refresh_from_db()
            assert email.status == "sent"
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1
