"""The outbox: written with the change, delivered once, retried through outages."""

from __future__ import annotations

import kombu.pools
import pytest
from django.core import mail
from django_tenants.utils import schema_context

from huiji.celery import app as celery_app
from huiji.sms.fake_gateway import FakeSmsGateway
from tenant_apps.configuration.models import MessageTemplate
from tenant_apps.notifications.models import InboxMessage, OutboxMessage
from tenant_apps.notifications.services import (
    inbox_unread_count,
    notify,
    outbox_send,
)
from tenant_apps.notifications.tasks import outbox_sweep


@pytest.fixture
def sms_gateway(settings):
    fake = FakeSmsGateway({"test-id": "test-secret"}).start()
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_OPTIONS = {"access_key_id": "test-id", "access_key_secret": "test-secret",
                            "sign_name": "测试", "endpoint": fake.url}
    yield fake
    fake.stop()


def _member(alpha):
    return alpha.user("member")


@pytest.mark.django_db
def test_notify_writes_one_message_per_channel_in_the_same_transaction(alpha):
    member = _member(alpha)
    with schema_context("alpha"):
        messages = notify(event="application_rejected", user=member,
                          params={"reason": "材料不清晰", "member_type": "普通会员"})
        assert {m.channel for m in messages} == {"email", "inbox"}  # no phone: no SMS
        body = next(m for m in messages if m.channel == "email").body
        assert "材料不清晰" in body and "{reason}" not in body
        assert all(m.status == "pending" for m in messages)


@pytest.mark.django_db
def test_delivery_happens_once(alpha, mailoutbox):
    member = _member(alpha)
    with schema_context("alpha"):
        messages = notify(event="member_activated", user=member,
                          params={"member_type": "普通会员", "member_number": "E000000009M",
                                  "valid_until": "2026-12-31"})
        for message in messages:
            assert outbox_send(message.pk) == "sent"
            assert outbox_send(message.pk) == "sent"  # a duplicate delivery does nothing
        assert len(mail.outbox) == 1
        assert InboxMessage.objects.filter(user=member).count() == 1
        assert inbox_unread_count(member) == 1


@pytest.mark.django_db
def test_sms_provider_outage_is_retried_until_it_works(alpha, sms_gateway):
    with schema_context("alpha"):
        person = alpha.user("finance")
        person.phone = "13700001111"
        person.save()
        MessageTemplate.objects.filter(event="payment_confirmed", channel="sms").update(
            provider_template="SMS_100")
        sms = next(m for m in notify(event="payment_confirmed", user=person, params={
            "member_type": "普通会员", "amount": "50", "years": 1, "order_number": "1"})
                   if m.channel == "sms")
        sms_gateway.fail = 2
        assert outbox_send(sms.pk) == "pending"
        sms.refresh_from_db()
        assert sms.attempts == 1 and "simulated outage" in sms.last_error
        assert sms.next_attempt_at > sms.created_at
        OutboxMessage.objects.filter(pk=sms.pk).update(next_attempt_at=sms.created_at)
        assert outbox_send(sms.pk) == "pending"
        OutboxMessage.objects.filter(pk=sms.pk).update(next_attempt_at=sms.created_at)
        outbox_sweep()  # the beat job picks it up when due
        sms.refresh_from_db()
        assert (sms.status, sms.attempts) == ("sent", 3)
        assert [m["phone"] for m in sms_gateway.messages] == ["13700001111"]


@pytest.mark.django_db
def test_broker_outage_loses_nothing(alpha, settings, django_capture_on_commit_callbacks,
                                     mailoutbox):
    """With the broker down, queueing after commit fails quietly; the rows are there and the
    sweep delivers them once workers run again."""
    # Read before the settings change: Celery loads its configuration from the settings on
    # first use, and saving after it would "restore" the overridden value for every later test.
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_connection_retry_on_startup = False
    celery_app.conf.broker_transport_options = {"max_retries": 0}
    celery_app.pool.force_close_all()
    member = _member(alpha)
    try:
        with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
            notify(event="application_approved", user=member,
                   params={"member_type": "高级会员", "amount": "100", "years": 1})
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        celery_app.conf.broker_transport_options = {}
        # A fresh connection pool: eager tasks acquire a producer too, and a closed pool left
        # behind would make every later test's inline delivery fail (quietly, by design).
        celery_app.pool.force_close_all()
        kombu.pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    with schema_context("alpha"):
        pending = OutboxMessage.objects.filter(event="application_approved", recipient=member)
        assert pending.count() == 2 and {m.status for m in pending} == {"pending"}
        assert outbox_sweep() == 2
        assert {m.status for m in pending.all()} == {"sent"}
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_staff_invitation_sms_goes_with_its_template_code_or_not_at_all(
        alpha, sms_gateway, settings):
    """The platform's own invitation has no association template: its code comes from
    SMS_TEMPLATES; without one the provider refuses it with an error naming the event."""
    from tenant_apps.accounts.services import staff_invite

    with schema_context("alpha"):
        admin = alpha.user("hq_admin")
        settings.SMS_TEMPLATES = {}
        staff_invite(acting_user=admin, name="秘书处张敏", phone="13700002222",
                     roles=["secretariat"])
        sms = OutboxMessage.objects.get(event="staff_invited", channel="sms")
        assert outbox_send(sms.pk) == "pending"
        sms.refresh_from_db()
        assert "no provider template code is configured for staff_invited" in sms.last_error
        assert sms_gateway.messages == []

        settings.SMS_TEMPLATES = {"staff_invited": "SMS_STAFF_1"}
        OutboxMessage.objects.filter(pk=sms.pk).update(next_attempt_at=sms.created_at)
        assert outbox_send(sms.pk) == "sent"
        [received] = sms_gateway.messages
        assert (received["phone"], received["template"]) == ("13700002222", "SMS_STAFF_1")
        assert received["params"]["name"] == "秘书处张敏"
        assert received["params"]["roles"] == "秘书处"
        assert "/reset/" in received["params"]["link"]
