"""Submissions (企业投稿) and whether the association takes them.

A `Submission` is one article a member sent: its title, the Word document (a private file),
the text read from a .docx at upload (what the public 会员动态 page shows), and where it is:
待审核 → 已发布, or 未通过 with the reason, from where the member may send a new document
(the same row goes back to 待审核; `state.py`). The unit's name is kept as it was when sent,
so a published article keeps its byline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TITLE_MAX = 100


class SubmissionSettings(models.Model):
    """Profile key `submissions`: on or off, and the largest document accepted."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    enabled = models.BooleanField(default=False)
    max_size_mb = models.PositiveSmallIntegerField(default=10)
    # The member types that may submit (CAQ: 单位会员, its menu's 企业投稿); empty: all.
    member_types = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # The association's own words above the upload (CAQ: 以打造企业交流平台… and 投稿要求 1-4).
    intro = models.TextField(blank=True)
    requirements = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("submission settings")
        verbose_name_plural = _("submission settings")

    def __str__(self) -> str:
        return "submission settings"


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("submission status", "Awaiting review")
        PUBLISHED = "published", pgettext_lazy("submission status", "Published")
        REJECTED = "rejected", pgettext_lazy("submission status", "Not accepted")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    membership = models.ForeignKey("memberships.Membership", on_delete=models.PROTECT,
                                   related_name="submissions")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    author_name = models.CharField(_("unit"), max_length=200)
    document = models.ForeignKey("files.PrivateFile", on_delete=models.PROTECT,
                                 related_name="+")
    # The paragraphs of a .docx, one a line, read when it was sent; empty for a .doc.
    body = models.TextField(blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The page's one-time token: the same form posted twice makes one submission.
    token = models.UUIDField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["membership", "token"],
                                               name="submission_once_per_token")]
        indexes = [models.Index(fields=["status", "-published_at"],
                                name="submission_published")]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return self.title
