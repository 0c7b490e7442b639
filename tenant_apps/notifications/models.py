"""The outbox of outgoing messages, and the in-site inbox.

A message is written to the outbox in the same transaction as the change it reports, so it
exists exactly when the change does. Celery delivers it afterwards, with retries; a sweep
re-queues what a broker or provider outage left behind. Nothing is lost, and a message is
marked sent only once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenant_apps.configuration.models import MessageChannel, MessageEvent


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.CharField(max_length=40, choices=MessageEvent.choices)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(max_length=254, blank=True)  # phone or email
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    provider_template = models.CharField(max_length=60, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # Emailed with the message (an issued e-receipt, for one).
    attachment = models.ForeignKey("files.PrivateFile", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event}/{self.channel} -> {self.address or self.recipient_id}"


class InboxMessage(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="inbox")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The outbox row that produced it: delivering the same row twice adds no second message.
    source = models.OneToOneField(OutboxMessage, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="inbox_message")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.title
