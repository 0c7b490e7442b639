"""Announcements (docs/announcements.md).

An `Announcement` is written by staff as rich text (sanitised by `huiji.richtext` on the way
in and out), published at a time (`publish_at`: now, or later: scheduled), maybe pinned, and
read by an audience kept as data: the public, or members, narrowed by member type, rank and
branch codes (empty: any). Its status moves only through `state.py`. A member's reading is an
`AnnouncementRead` row (unread marks); attachments are `PrivateFile`s served only to the
audience (`views.attachment`). Whether an association has announcements at all is the
profile's `announcements.enabled` (`AnnouncementSettings`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AnnouncementSettings(models.Model):
    """The profile's `announcements:` (one row): on or off, and the heading the manual uses
    (公告动态 for the generic society, 活动通告 for CAQ)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    enabled = models.BooleanField(default=False)
    title = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"announcements {'on' if self.enabled else 'off'}"


class Announcement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("announcement status", "Draft")
        SCHEDULED = "scheduled", pgettext_lazy("announcement status", "Scheduled")
        PUBLISHED = "published", pgettext_lazy("announcement status", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("announcement status", "Withdrawn")

    class Audience(models.TextChoices):
        PUBLIC = "public", pgettext_lazy("announcement audience", "Everyone (public)")
        MEMBERS = "members", pgettext_lazy("announcement audience", "Members")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)  # sanitised HTML
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    publish_at = models.DateTimeField(_("publish time"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices,
                                default=Audience.MEMBERS)
    # Codes of the profile's member types, ranks and branches; empty: any. Only for members.
    member_types = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    ranks = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    branches = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The push to the inbox / SMS: the bulk message job it started (once only).
    pushed_job = models.ForeignKey("bulk.BulkJob", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-pinned", "-publish_at", "-id"]
        indexes = [models.Index(fields=["status", "audience", "publish_at"],
                                name="announcement_live")]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title


class AnnouncementAttachment(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE,
                                     related_name="attachments")
    file = models.ForeignKey("files.PrivateFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.file)


class AnnouncementRead(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE,
                                     related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "user"],
                                               name="one_read_per_member")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.announcement_id}"
