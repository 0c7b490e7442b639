"""Writing notifications to the outbox, and delivering them."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l

from huiji.sms import sms_backend
from tenant_apps.configuration.models import MessageChannel, MessageTemplate
from tenant_apps.notifications.models import InboxMessage, OutboxMessage

logger = logging.getLogger(__name__)
RETRY_DELAYS = [30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600]  # seconds


class _Params(dict):
    """Format mapping that leaves unknown placeholders visible rather than failing."""

    def __missing__(self, key):
        return "{" + key + "}"


def notify(*, event: str, user, params: dict, attachment=None) -> list[OutboxMessage]:
    """Write the association's messages for `event` to `user` into the outbox, one per active
    template channel the user can be reached on. Must run inside the caller's transaction;
    delivery is queued after commit."""
    values = _Params({k: "" if v is None else str(v) for k, v in params.items()})
    values.setdefault("name", str(user))
    messages = []
    now = timezone.now()
    templates = list(MessageTemplate.objects.filter(event=event, active=True))
    if not templates and not MessageTemplate.objects.filter(event=event).exists():
        templates = _defaults(event)  # the association wrote none for this event
    for template in templates:
        address = {MessageChannel.SMS: user.phone, MessageChannel.EMAIL: user.email,
                   MessageChannel.INBOX: str(user.pk)}.get(template.channel)
        if not address:
            continue
        messages.append(OutboxMessage(
            event=event, channel=template.channel, recipient=user, address=address,
            subject=template.subject.format_map(values), body=template.body.format_map(values),
            provider_template=template.provider_template, params=dict(values),
            attachment=attachment if template.channel == MessageChannel.EMAIL else None,
            next_attempt_at=now))
    created = OutboxMessage.objects.bulk_create(messages)
    if created:
        from tenant_apps.notifications.tasks import outbox_deliver

        ids = [m.pk for m in created]
        transaction.on_commit(lambda: _queue(outbox_deliver, ids))
    return created


def _queue(task, ids: list[int]) -> None:
    # A broker outage must not fail the request that made the change: the rows are committed,
    # and the sweep (outbox_sweep, every minute) delivers them once the broker is back.
    try:
        for pk in ids:
            task.delay(pk)
    except Exception:  # kombu raises many kinds of connection errors
        logger.warning("outbox: could not queue %s; the sweep will deliver them", ids,
                       exc_info=True)


def outbox_send(message_id: int) -> str:
    """Deliver one outbox message, at most once. Returns its status afterwards."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(skip_locked=True) \
            .filter(pk=message_id).first()
        if message is None:
            return "busy"  # another worker holds it
        if message.status != OutboxMessage.Status.PENDING:
            return message.status
        message.attempts += 1
        try:
            _deliver(message)
        except Exception as exc:  # any provider failure: retry later, keep the error
            delay = RETRY_DELAYS[min(message.attempts - 1, len(RETRY_DELAYS) - 1)]
            message.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
            message.save(update_fields=["attempts", "next_attempt_at", "last_error", "status"])
            logger.warning("outbox %s attempt %s failed: %s", message.pk, message.attempts,
                           message.last_error)
            return message.status
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return message.status


def _deliver(message: OutboxMessage) -> None:
    if message.channel == MessageChannel.INBOX:
        InboxMessage.objects.get_or_create(
            source=message, defaults={"user_id": message.recipient_id,
                                      "title": message.subject or message.body[:60],
                                      "body": message.body})
    elif message.channel == MessageChannel.EMAIL:
        email = EmailMessage(message.subject, message.body, None, [message.address])
        if message.attachment_id:
            with message.attachment.file.open("rb") as fh:
                email.attach(message.attachment.original_name, fh.read(),
                             message.attachment.content_type)
        email.send()
    elif message.channel == MessageChannel.SMS:
        sms_backend().send(phone=message.address, text=message.body,
                           template=message.provider_template, params=message.params)


def outbox_due(limit: int = 500) -> list[int]:
    return list(OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def inbox_unread_count(user) -> int:
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()


def inbox_mark_read(*, user, message_id: int) -> None:
    InboxMessage.objects.filter(user=user, pk=message_id, read_at__isnull=True) \
        .update(read_at=timezone.now())


DEFAULTS = {
    "invoice_issued": (_l("Your fee receipt"), _l(
        "{name}, the fee receipt for your payment of {amount} yuan is issued; it is attached "
        "and in your member centre.")),
    # Sent by SMS and email, never to the inbox: the invitee cannot log in yet.
    "staff_invited": (gettext_lazy("Your staff account at {association}"), gettext_lazy(
        "{name}, {association} has made you staff ({roles}). Choose your password within "
        "{days} days with this one-time link: {url}"),
        (MessageChannel.SMS, MessageChannel.EMAIL)),
}


def _defaults(event: str) -> list[MessageTemplate]:
    if event not in DEFAULTS:
        return []
    subject, body, *channels = DEFAULTS[event]
    return [MessageTemplate(event=event, channel=channel, subject=str(subject),
                            body=str(body))
            for channel in (channels[0] if channels else (MessageChannel.EMAIL,
                                                          MessageChannel.INBOX))]
