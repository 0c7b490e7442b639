"""The member record: what staff and the member both see of a membership, kept current.

`MemberRecord.values` holds the current value of every field of the member's forms (and of
the record's own fields, such as Jiangsu's 企业营收), by field key, copied from the approved
application and changed afterwards only through `records.services.record_apply_changes`, which
writes one audit row with the old and new value of each field. A reviewed change request (a
later piece) carries the same {key: new value} and is applied by the same function.

Contacts are rows of their own (`Contact`): a unit adds, edits and removes them, and a
contact's mobile may log in to the unit's account (accounts.selectors.account_for_identifier).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huiji.sealed import SealedJSONField


class MemberRecord(models.Model):
    membership = models.OneToOneField("memberships.Membership", on_delete=models.CASCADE,
                                      related_name="record")
    # The application the record was first filled from (the joining application).
    source_application = models.ForeignKey("applications.Application", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    # The body joined: its administrators see the member (branch administrators' scope).
    branch = models.ForeignKey("configuration.Branch", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="member_records")
    values = SealedJSONField(default=dict, blank=True)  # sensitive values sealed at rest
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member record")
        verbose_name_plural = _("member records")

    def __str__(self) -> str:
        return f"record of {self.membership_id}"


class Contact(models.Model):
    record = models.ForeignKey(MemberRecord, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("role"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    department = models.CharField(_("department"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    # A mainland mobile, 11 digits (accounts.services.normalize_phone), or empty.
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    telephone = models.CharField(_("telephone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    ordering = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ordering", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.role}: {self.name}"


class ChangeRequest(models.Model):
    """A member asks for a change that staff review (docs/member-record.md#change-requests):
    fields of the record the profile marks `reviewed` (CAQ 信息变更 with proof, the generic
    society's 资料变更申请), or joining a branch (加入分支机构). It waits at the steps its member
    type names, each decided by that step's role, and is applied all at once when the last
    step approves."""

    class Kind(models.TextChoices):
        INFO = "info", _("Change of details")
        BRANCH = "branch", _("Joining a branch")

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Taken back")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(MemberRecord, on_delete=models.CASCADE,
                               related_name="change_requests")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # {field key: {"old": value when asked, "new": value asked for}}; for a branch,
    # {"branch": {"old": code or None, "new": code}}.
    changes = SealedJSONField(default=dict)
    # The branch asked to join: its administrators decide branch-routed steps.
    branch = models.ForeignKey("configuration.Branch", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="change_requests")
    note = models.TextField(_("reason for the request"), blank=True)
    # The steps as configured when the member asked (later configuration changes do not
    # move a request already waiting), and the one it waits at.
    steps = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.IN_REVIEW, db_index=True)
    # Whose the step it waits at is (applications.services.step_target: the step's role, and
    # the branch whose administrators decide it), kept by change_requests._move for the
    # queue's query (applications.selectors.reviewable_by); empty once decided.
    review_role = models.CharField(max_length=20, blank=True)
    review_branch = models.ForeignKey("configuration.Branch", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    # Every decision taken, in order: {step, decision, actor, actor_label, reason, at}.
    decisions = models.JSONField(default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)  # the rejection's, shown to the member
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        constraints = [models.UniqueConstraint(
            fields=["record", "kind"], condition=models.Q(status="in_review"),
            name="one_open_change_request_per_kind")]
        indexes = [
            # the change-request queue: the requests in review at a step target, oldest first
            models.Index(fields=["review_role", "review_branch", "created_at"],
                         condition=models.Q(status="in_review"),
                         name="change_request_review_queue"),
            models.Index(fields=["created_at"], condition=models.Q(status="in_review"),
                         name="change_request_in_review"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} of {self.record_id}"


class ChangeRequestProof(models.Model):
    """A file proving a requested change (CAQ 上传证明材料), private like every upload."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="proofs")
    file = models.OneToOneField("files.PrivateFile", on_delete=models.PROTECT,
                                related_name="change_proof")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.file_id)
