"""供需对接 and 产品对接 (Jiangsu's member centre): members post supplies, demands and
products; staff moderate them before anyone else sees them (docs/marketplace.md).

A `Post` is written only by `marketplace.services`; its moves are in `state.py`. Whether a
published post has expired is computed from `valid_until` (no nightly job can be late), so
the stored status is one of 待审核, 已发布, 未通过, 已撤回 and 已过期 is what a published post
past its date reads."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Post(models.Model):
    class Kind(models.TextChoices):
        SUPPLY = "supply", pgettext_lazy("market post", "Supply")
        DEMAND = "demand", pgettext_lazy("market post", "Demand")
        PRODUCT = "product", pgettext_lazy("market post", "Product")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("market post", "Awaiting review")
        PUBLISHED = "published", pgettext_lazy("market post", "Published")
        REJECTED = "rejected", pgettext_lazy("market post", "Not approved")
        WITHDRAWN = "withdrawn", pgettext_lazy("market post", "Withdrawn")
        # never stored: a published post past its valid-until day (Post.shown_status)
        EXPIRED = "expired", pgettext_lazy("market post", "Expired")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="market_posts")
    # The member as lists name them (a unit's name), as it was when posted.
    poster_name = models.CharField(_("poster"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=60)
    category = models.CharField(_("category"), max_length=64)  # a profile category's code
    region = models.CharField(_("region"), max_length=6)  # a GB/T 2260 code
    description = models.TextField(_("description"), max_length=3000)
    valid_until = models.DateField(_("valid until"))
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # The poster agreed that members may see the contact details (else only 联系发布者).
    show_contact = models.BooleanField(_("show my contact details to members"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Lowercased title and description: what the keyword search reads (trigram-indexed).
    search_text = models.TextField(editable=False, default="")
    # The form's one-time token: a post submitted twice (a double tap, a resent form) is
    # stored once.
    token = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # the browse page: published, not expired, newest first, by kind
            models.Index(fields=["status", "kind", "valid_until", "-published_at"],
                         name="market_browse"),
            models.Index(fields=["status", "category", "-published_at"],
                         name="market_category"),
            models.Index(fields=["status", "region", "-published_at"], name="market_region"),
            models.Index(fields=["author", "-created_at"], name="market_author"),
            models.Index(fields=["status", "submitted_at"], name="market_queue"),
        ]
        verbose_name = _("market post")
        verbose_name_plural = _("market posts")

    def __str__(self) -> str:
        return self.title

    @property
    def shown_status(self) -> str:
        if self.status == self.Status.PUBLISHED and self.valid_until < timezone.localdate():
            return self.Status.EXPIRED
        return self.status

    @property
    def shown_status_label(self) -> str:
        return self.Status(self.shown_status).label


class PostImage(models.Model):
    """A picture of a post: a private file (content-checked), shown only to members."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    file = models.ForeignKey("files.PrivateFile", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "file"],
                                               name="market_image_once")]

    def __str__(self) -> str:
        return f"{self.post_id}:{self.position}"


class ContactRequest(models.Model):
    """联系发布者: a member's message to a poster, sent through the outbox; counted for the
    daily limit, and its token makes a resent form one request."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="contacts")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    message = models.TextField(max_length=500)
    token = models.UUIDField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["sender", "created_at"], name="market_contact_sender")]

    def __str__(self) -> str:
        return f"{self.sender_id} -> {self.post_id}"
