"""Reading the outbox for staff: the messages that could not be delivered."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tenant_apps.notifications.models import OutboxMessage

PER_PAGE = 50


def message_shown(message: OutboxMessage, *, viewer) -> dict:
    """What staff see of one outbox message, on the member page and the failed messages page
    alike: the address (a phone masked as the record's is, none for the inbox), and the body,
    unless it holds a one-time link (a login reset, an invitation): then only that it does."""
    from tenant_apps.notifications.events import EVENTS
    from tenant_apps.records.selectors import masked_display

    spec = EVENTS.get(message.event)
    secret = bool(spec and "link" in spec.variables)
    address = message.address
    if message.channel == "sms":
        address = masked_display({"type": "phone"}, message.address, message.address,
                                 viewer=viewer)
    elif message.channel == "inbox":
        address = ""
    return {"at": message.created_at, "event": str(message.get_event_display()),
            "channel": str(message.get_channel_display()), "address": address,
            "subject": message.subject, "secret": secret,
            "body": _("This message holds a one-time link and is not shown.") if secret
            else message.body}


@dataclass
class FailedPage:
    rows: list[dict]
    total: int
    page: int
    has_next: bool


def failed_messages(*, viewer, channel: str = "", event: str = "", page: int = 1) -> FailedPage:
    """The association's failed messages (发送失败: every attempt used), newest first, with the
    last error, `PER_PAGE` a page. A phone is masked as on the member page; a message that
    holds a one-time link (a login reset, an invitation) shows only that it holds one. Two
    queries a page."""
    found = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED)
    if channel:
        found = found.filter(channel=channel)
    if event:
        found = found.filter(event=event)
    total = found.count()
    start = (page - 1) * PER_PAGE
    chunk = list(found.select_related("recipient").order_by("-created_at", "-id")
                 [start:start + PER_PAGE + 1])
    rows = [{**message_shown(m, viewer=viewer), "id": m.pk,
             "recipient": str(m.recipient) if m.recipient_id else "",
             "attempts": m.attempts, "last_error": m.last_error} for m in chunk[:PER_PAGE]]
    return FailedPage(rows, total, page, len(chunk) > PER_PAGE)
