"""Applications for membership, their uploads, the notices accepted, and their timeline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiji.sealed import SealedJSONField
from tenant_apps.configuration.models import (
    Branch,
    ConfigurationRevision,
    MemberType,
    Notice,
    Rank,
    ReferralChannel,
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Information to complete")
    REJECTED = "rejected", _("Rejected")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAYMENT_REVIEW = "payment_review", _("Payment being confirmed")
    COMPLETED = "completed", _("Full member")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    class Purpose(models.TextChoices):
        JOIN = "join", _("Membership application")
        # A member's change to another member type or rank: reviewed by the target type's
        # chain and priced by its upgrade pricing (docs/join-journey.md#level-changes).
        LEVEL_CHANGE = "level_change", _("Level change")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="applications")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices,
                               default=Purpose.JOIN)
    # For a level change: the membership that changes, and why the member asks.
    membership_changed = models.ForeignKey("memberships.Membership", null=True, blank=True,
                                           on_delete=models.PROTECT,
                                           related_name="level_changes")
    change_reason = models.TextField(_("reason for the change"), blank=True)
    member_type = models.ForeignKey(MemberType, on_delete=models.PROTECT,
                                    related_name="applications")
    rank = models.ForeignKey(Rank, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    # The body joined, or the branch whose administrators review branch-routed steps.
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="applications")
    referral_channel = models.ForeignKey(ReferralChannel, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    referral_branch = models.ForeignKey(Branch, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    referrer_name = models.CharField(_("referrer's name"), max_length=100, blank=True)
    referrer_number = models.CharField(_("referrer's member number"), max_length=40,
                                       blank=True)
    # The member who referred the applicant (member channels), kept as the membership so that
    # 我的推荐 and the referral report follow the member whatever their number becomes; and
    # whether the referral came from a referral code's link or QR (docs/referrals.md).
    referrer = models.ForeignKey("memberships.Membership", null=True, blank=True,
                                 on_delete=models.SET_NULL,
                                 related_name="referred_applications")
    referred_by_code = models.BooleanField(_("referred by a referral code"), default=False)
    # The configuration the application is made under: its forms, chain and fees stay as
    # they were when the applicant started, whatever the association changes later.
    revision = models.ForeignKey(ConfigurationRevision, on_delete=models.PROTECT,
                                 related_name="applications")
    # ID numbers and other sensitive answers sealed at rest (huiji.sealed)
    answers = SealedJSONField(default=dict, blank=True)
    years = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    wizard_step = models.CharField(max_length=60, blank=True)
    # Index into the revision's review chain of the step the application waits at (or
    # stopped at, for payment).
    review_position = models.PositiveSmallIntegerField(null=True, blank=True)
    rejected_at_position = models.PositiveSmallIntegerField(null=True, blank=True)
    # Whose the step it waits at is, while in review (services.step_target, kept current by
    # services._move): the review queue filters on these in SQL (selectors.reviewable_by).
    review_role = models.CharField(max_length=20, blank=True)
    review_branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    last_reason = models.TextField(_("reason"), blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # When the member centre showed the 入会成功 page once after activation (Jiangsu).
    welcome_shown_at = models.DateTimeField(null=True, blank=True)
    membership = models.OneToOneField("memberships.Membership", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="application")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [models.UniqueConstraint(
            fields=["applicant"], condition=~models.Q(status__in=["completed", "withdrawn"]),
            name="one_open_application_per_applicant")]
        indexes = [
            # The review queue: the applications in review by whose step it is, oldest first.
            models.Index(fields=["review_role", "review_branch", "submitted_at"],
                         condition=models.Q(status="in_review"),
                         name="application_review_queue"),
            models.Index(fields=["submitted_at"], condition=models.Q(status="in_review"),
                         name="application_in_review"),
        ]

    def __str__(self) -> str:
        return f"{self.member_type} · {self.applicant}"


class NoticeAcceptance(models.Model):
    """The applicant accepted this version of this notice, at this time."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="acceptances")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "notice"],
                                               name="accept_a_notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class ApplicationUpload(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="uploads")
    requirement = models.CharField(max_length=40)  # the upload requirement's key
    file = models.OneToOneField("files.PrivateFile", on_delete=models.PROTECT,
                                related_name="application_upload")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["requirement", "created_at"]

    def __str__(self) -> str:
        return f"{self.requirement}: {self.file}"


class ApplicationEvent(models.Model):
    """One step of the timeline the applicant and the staff see."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    step_name = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    ACTION_LABELS = {
        "created": _("Application started"), "notices_accepted": _("Notices accepted"),
        "submitted": _("Submitted"), "resubmitted": _("Resubmitted"),
        "approved": _("Approved"), "rejected": _("Rejected"),
        "returned": _("Returned for correction"), "payment_confirmed": _("Payment confirmed"),
        "withdrawn": _("Withdrawn"), "voucher_uploaded": _("Transfer voucher uploaded"),
        "payment_rejected": _("Voucher not accepted"),
        "level_change_started": _("Level change requested"),
        "level_changed": _("Level changed"),
    }

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"

    @property
    def action_label(self) -> str:
        return str(self.ACTION_LABELS.get(self.action, self.action))
