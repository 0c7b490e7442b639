"""发送失败 across associations: alpha's failed message is listed and retried only on alpha's
site; beta's staff neither see it nor send it again by its id."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.notifications.models import OutboxMessage


@pytest.mark.django_db
def test_a_failed_message_stays_in_its_association(alpha, beta):
    with schema_context("alpha"):
        failed = OutboxMessage.objects.create(
            event="member_activated", channel="email", address="only-alpha@alpha.test",
            subject="阿尔法入会", body="阿尔法的消息", status="failed", attempts=8,
            last_error="SMTPServerDisconnected: alpha", next_attempt_at=timezone.now())
    assert "only-alpha@alpha.test" in alpha.client("hq_admin").get(
        "/manage/messages/failed/").content.decode()
    theirs = beta.client("hq_admin")
    page = theirs.get("/manage/messages/failed/").content.decode()
    assert "only-alpha" not in page and "阿尔法" not in page
    theirs.post("/manage/messages/failed/retry/", {"id": failed.pk})
    theirs.post("/manage/messages/failed/retry/", {"all": "1"})
    with schema_context("alpha"):
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("failed", 8)
