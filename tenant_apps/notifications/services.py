"""Writing notifications to the outbox, and delivering them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from huiji.sms import sms_backend, sms_template
from huiji.tenancy.current import current_association
from tenant_apps.configuration.models import MessageChannel, MessageRecipients, MessageTemplate
from tenant_apps.notifications.events import EVENTS
from tenant_apps.notifications.models import InboxMessage, OutboxMessage

logger = logging.getLogger(__name__)
RETRY_DELAYS = [30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600]  # seconds


class _Params(dict):
    """Format mapping that leaves unknown placeholders visible rather than failing (a
    template saved before its event's variables were checked; the validator refuses new
    ones)."""

    def __missing__(self, key):
        return "{" + key + "}"


@dataclass(frozen=True)
class Recipient:
    """Someone a message is addressed to: the applicant's account, a contact named in the
    application, or the person given in a form (the receipt's email)."""

    name: str
    phone: str | None = None
    email: str | None = None


def association_language() -> str:
    """The language the association's messages are written in. Every association is
    Chinese today (settings.LANGUAGE_CODE); a per-association language would be read here."""
    return settings.LANGUAGE_CODE


def render(text: str, values: dict) -> str:
    return text.format_map(_Params(values))


def notify(*, event: str, user, params: dict, application=None, to: Recipient | None = None,
           attachment=None) -> list[OutboxMessage]:
    """Write the association's messages for `event` into the outbox: one per active template
    channel and recipient that can be reached. `params` must give exactly the variables the
    event declares (notifications/events.py) beyond those filled here (name, association,
    url); contacts are read from `application`; `to` replaces the account's phone and email
    (the receipt's contact). Rendered in the association's language, whatever the request's
    or the worker's. Must run inside the caller's transaction; delivery is queued after
    commit."""
    spec = EVENTS[event]
    missing = set(spec.variables) - set(params)
    unknown = set(params) - set(spec.variables)
    if missing or unknown:
        raise ImproperlyConfigured(
            f"notify({event}): missing {sorted(missing)}, not of this event {sorted(unknown)}")
    from tenants.services import association_url

    association = current_association()
    values = {k: "" if v is None else str(v) for k, v in params.items()}
    if values.get("reason"):
        # templates end the reason with their own full stop ("…：{reason}。"): a reason
        # typed with one would read 。。
        values["reason"] = values["reason"].strip().rstrip("。．.!！")
    values["association"] = association.name if association else ""
    values["url"] = association_url(association, "/") if association else ""
    applicant = to or Recipient(name=str(user), phone=user.phone, email=user.email)
    messages = []
    now = timezone.now()
    with translation.override(association_language()):
        templates = list(MessageTemplate.objects.filter(event=event, active=True))
        if not templates and not MessageTemplate.objects.filter(event=event).exists():
            templates = _defaults(event)  # the association wrote none for this event
        for template in templates:
            if template.channel == MessageChannel.INBOX:
                people = [Recipient(name=str(user))]
            elif template.recipients == MessageRecipients.APPLICANT or application is None:
                people = [applicant]
            else:
                people = application_contacts(application) or [applicant]
                if template.recipients == MessageRecipients.FIRST_CONTACT:
                    people = people[:1]
            for person in people:
                address = {MessageChannel.SMS: person.phone, MessageChannel.EMAIL: person.email,
                           MessageChannel.INBOX: str(user.pk)}.get(template.channel)
                if not address:
                    continue
                filled = {**values, "name": person.name}
                messages.append(OutboxMessage(
                    event=event, channel=template.channel, recipient=user, address=address,
                    subject=render(str(template.subject), filled),
                    body=render(str(template.body), filled),
                    provider_template=template.provider_template, params=filled,
                    attachment=attachment if template.channel == MessageChannel.EMAIL
                    else None, next_attempt_at=now))
    created = OutboxMessage.objects.bulk_create(messages)
    if created:
        from tenant_apps.notifications.tasks import outbox_deliver

        ids = [m.pk for m in created]
        transaction.on_commit(lambda: _queue(outbox_deliver, ids))
    return created


# Up to this many messages of one bulk call are queued for delivery at once; more (a mass
# reminder day) are left to the outbox sweep, which delivers them in its own rhythm.
BULK_QUEUE_LIMIT = 5000


def notify_bulk(*, event: str, people: list[dict], batch: int = 5000) -> int:
    """`notify` for many members at once (the nightly lifecycle job): the templates are read
    once, the messages written in batches. Each of `people` is {"user_id", "name", "phone",
    "email", "params"}, `params` giving exactly the event's variables. Messages go to the
    member's own account (lifecycle events are not about an application). Call inside the
    caller's transaction; returns the number of messages written."""
    spec = EVENTS[event]
    from tenants.services import association_url

    association = current_association()
    common = {"association": association.name if association else "",
              "url": association_url(association, "/") if association else ""}
    now = timezone.now()
    written, ids = 0, []
    with translation.override(association_language()):
        templates = list(MessageTemplate.objects.filter(event=event, active=True))
        if not templates and not MessageTemplate.objects.filter(event=event).exists():
            templates = _defaults(event)
        forms = [(t.channel, str(t.subject), str(t.body), t.provider_template)
                 for t in templates]
    rows: list[OutboxMessage] = []

    def flush():
        nonlocal written
        created = OutboxMessage.objects.bulk_create(rows)
        written += len(created)
        if written <= BULK_QUEUE_LIMIT:
            ids.extend(m.pk for m in created)
        rows.clear()

    for person in people:
        params = person["params"]
        if set(params) != set(spec.variables):
            raise ImproperlyConfigured(f"notify_bulk({event}): variables {sorted(params)}")
        filled = {**{k: "" if v is None else str(v) for k, v in params.items()}, **common,
                  "name": person["name"]}
        for channel, subject, body, provider in forms:
            address = {MessageChannel.SMS: person.get("phone"),
                       MessageChannel.EMAIL: person.get("email"),
                       MessageChannel.INBOX: str(person["user_id"])}.get(channel)
            if not address:
                continue
            rows.append(OutboxMessage(
                event=event, channel=channel, recipient_id=person["user_id"], address=address,
                subject=render(subject, filled), body=render(body, filled),
                provider_template=provider, params=filled, next_attempt_at=now))
            if len(rows) >= batch:
                flush()
    if rows:
        flush()
    if ids and written <= BULK_QUEUE_LIMIT:
        from tenant_apps.notifications.tasks import outbox_deliver

        transaction.on_commit(lambda: _queue(outbox_deliver, ids))
    return written


def application_contacts(application) -> list[Recipient]:
    """The contacts an application names, in order (the first is the first contact): the
    items of the group field its member type marks `contacts:` (CACEM's 第一/第二联络员)."""
    from tenant_apps.applications.engine import type_document
    from tenant_apps.configuration.profile import contact_groups

    try:
        doc = type_document(application.revision.document, application.member_type.code)
    except KeyError:
        return []
    found = []
    for group in contact_groups(doc):
        parts = group["contacts"]
        for item in application.answers.get(group["key"]) or []:
            if not isinstance(item, dict):
                continue
            person = Recipient(name=str(item.get(parts.get("name"), "") or "").strip(),
                               phone=str(item.get(parts.get("phone"), "") or "").strip() or None,
                               email=str(item.get(parts.get("email"), "") or "").strip() or None)
            if person.phone or person.email:
                found.append(person)
    return found


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
            with translation.override(association_language()):
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
                           template=sms_template(message.event, message.provider_template),
                           params=message.params, event=message.event)


def outbox_retry(*, actor, ids: list[int] | None = None, channel: str = "",
                 event: str = "") -> int:
    """Staff send failed messages again (单条重试 with `ids`, 全部重试 with the list's filter):
    each goes back to 待发送 with a fresh set of attempts and is queued after commit (the
    sweep takes what is over the queueing limit). Only messages still failed are touched, so
    a double click or two staff at once retry a message once. Audited; returns how many."""
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            status=OutboxMessage.Status.FAILED)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        if channel:
            rows = rows.filter(channel=channel)
        if event:
            rows = rows.filter(event=event)
        found = list(rows.order_by("created_at", "id").values_list("pk", flat=True))
        if not found:
            return 0
        OutboxMessage.objects.filter(pk__in=found).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        from huiji.audit.services import audit_record

        if ids is not None and len(found) == 1:
            audit_record(actor=actor, action="outbox.retry",
                         target=OutboxMessage(pk=found[0]), data={"messages": found})
        else:
            audit_record(actor=actor, action="outbox.retry_all", data={
                "count": len(found), "channel": channel, "event": event,
                "messages": found[:1000]})
        from tenant_apps.notifications.tasks import outbox_deliver

        queued = found[:BULK_QUEUE_LIMIT]
        transaction.on_commit(lambda: _queue(outbox_deliver, queued))
    return len(found)


def outbox_due(limit: int = 500) -> list[int]:
    return list(OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def inbox_unread_count(user) -> int:
    return InboxMessage.objects.filter(user=user, read_at__isnull=True).count()


def inbox_mark_read(*, user, message_id: int) -> None:
    InboxMessage.objects.filter(user=user, pk=message_id, read_at__isnull=True) \
        .update(read_at=timezone.now())


def _defaults(event: str) -> list[MessageTemplate]:
    """The platform's own messages for an event the association wrote no template for,
    translated into the active (the association's) language."""
    return [MessageTemplate(event=event, channel=channel, subject=str(subject),
                            body=str(body))
            for channel, (subject, body) in EVENTS[event].defaults.items()]
