"""Personal data under China's personal information law (docs/personal-data.md): consent
records with the version of the text agreed to, a member's download of everything the
association holds about them (我的数据), and their request to delete it (申请删除个人信息).

    DeletionRequest:  submitted ──> done      (anonymised by HQ)
                          └───────> rejected  (with the reason the member reads)
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Purpose(models.TextChoices):
    """Why personal data is published or shared: each consent names one."""

    PRIVACY_POLICY = "privacy_policy", _("Privacy policy (at sign-up)")
    ROSTER = "roster", _("Listed in the public member roster")
    MARKET_CONTACT = "market_contact", _("Contact details shown on a market post")
    BRANCH_SHARING = "branch_sharing", _("Details shared with a branch joined")


class ConsentText(models.Model):
    """One version of the wording a consent is given to. A new wording (the profile's
    `privacy` block, the roster's question) is a new version, numbered per purpose; a version
    is never changed, so what a member agreed to stays readable."""

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_text_version"),
            models.UniqueConstraint(fields=["purpose", "sha256"], name="consent_text_once"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"


class ConsentRecord(models.Model):
    """A consent given or withdrawn: who, for what, to which text, when and where. Rows are
    only ever added; the latest per user and purpose (and subject, e.g. a market post) is the
    one in force."""

    class Action(models.TextChoices):
        GIVEN = "given", pgettext_lazy("consent", "Given")
        WITHDRAWN = "withdrawn", pgettext_lazy("consent", "Withdrawn")

    class Where(models.TextChoices):
        SIGNUP = "signup", _("Sign-up page")
        JOINING = "joining", _("Joining notices")
        MEMBER_CENTRE = "member_centre", _("Member centre")
        MARKETPLACE = "marketplace", _("Market post form")
        BRANCH_REQUEST = "branch_request", _("Request to join a branch")
        DELETION = "deletion", _("Deletion of personal data")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    action = models.CharField(_("consent"), max_length=10, choices=Action.choices)
    text = models.ForeignKey(ConsentText, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    # What the consent is about, where there are several (a market post's id, a branch code).
    subject = models.CharField(max_length=64, blank=True)
    # What exactly is published (the roster's chosen columns), as given.
    detail = models.JSONField(default=dict, blank=True)
    where = models.CharField(_("where"), max_length=20, choices=Where.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "subject"], name="consent_of_user")]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.action}"


class DataExport(models.Model):
    """我的数据: one file of everything the association holds about a member, prepared in the
    background and kept private (only its owner downloads it)."""

    class Status(models.TextChoices):
        PREPARING = "preparing", pgettext_lazy("data export", "Being prepared")
        READY = "ready", pgettext_lazy("data export", "Ready to download")
        FAILED = "failed", pgettext_lazy("data export", "Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="data_exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREPARING)
    file = models.OneToOneField("files.PrivateFile", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.status})"


class DeletionRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("deletion request", "Submitted")
        DONE = "done", pgettext_lazy("deletion request", "Done (anonymised)")
        REJECTED = "rejected", pgettext_lazy("deletion request", "Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="deletion_requests")
    # The member number at the time, for the staff queue (the number stays after deletion).
    member_number = models.CharField(_("member number"), max_length=40, blank=True)
    reason = models.TextField(_("reason for the request"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.SUBMITTED, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["user"], condition=models.Q(status="submitted"),
            name="one_open_deletion_request")]
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")

    def __str__(self) -> str:
        return f"deletion {self.public_id} ({self.status})"


class PrivacySettings(models.Model):
    """The profile's `privacy` block (one row per association): the association's own
    wording of its privacy policy (shown at sign-up and at /privacy/) and of the consents it
    asks for. Empty: the platform's default wording (privacy/texts.py)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    policy = models.TextField(blank=True)
    market_contact = models.TextField(blank=True)
    branch_sharing = models.TextField(blank=True)

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return "privacy settings"
