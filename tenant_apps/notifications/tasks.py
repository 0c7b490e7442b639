from __future__ import annotations

from celery import shared_task

from tenant_apps.notifications.services import outbox_due, outbox_send


@shared_task(name="notifications.outbox_deliver", bind=True, max_retries=0)
def outbox_deliver(self, message_id: int) -> str:
    return outbox_send(message_id)


@shared_task(name="notifications.outbox_sweep")
def outbox_sweep() -> int:
    """Deliver what is due in the current association's outbox: messages whose queueing
    failed (broker down) and retries whose time has come. Run per association by beat."""
    due = outbox_due()
    for pk in due:
        outbox_send(pk)
    return len(due)
