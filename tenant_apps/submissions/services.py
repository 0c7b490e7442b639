"""Writes of 企业投稿: a member sends (or sends again) a document; staff edit the title,
publish it or turn it down with a reason. Each is atomic and audited; decisions lock the row,
so two staff deciding at once cannot both win."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.files.services import private_file_store
from tenant_apps.submissions.documents import document_checked
from tenant_apps.submissions.models import TITLE_MAX, Submission, SubmissionSettings
from tenant_apps.submissions.state import check_transition

S = Submission.Status


def submission_settings() -> SubmissionSettings:
    return SubmissionSettings.objects.first() or SubmissionSettings()


def submission_settings_apply(spec: dict) -> None:
    """The profile's `submissions` (configuration.services.profile_apply)."""
    row = SubmissionSettings.objects.first() or SubmissionSettings()
    row.enabled, row.max_size_mb = spec["enabled"], spec["max_size_mb"]
    row.member_types = list(spec["member_types"])
    row.intro, row.requirements = spec["intro"], list(spec["requirements"])
    row.save()


def _title(value) -> str:
    title = " ".join(str(value or "").split())
    if not title:
        raise AppError("submission_no_title", _("Give the submission a title."),
                       field="title", status=400)
    if len(title) > TITLE_MAX:
        raise AppError("submission_title_long", _(
            "The title must be at most %(n)d characters.") % {"n": TITLE_MAX},
            field="title", status=400)
    if "\x00" in title:
        raise AppError("submission_title_nul", _("Null characters are not allowed."),
                       field="title", status=400)
    return title


def _may_submit(membership) -> None:
    from tenant_apps.submissions.selectors import submits

    if not submits(membership):
        raise AppError("submission_not_member", _(
            "Only members whose membership is in force can submit."), status=403)


def _stored(acting_user, membership, uploaded):
    found, body = document_checked(uploaded,
                                   max_size_mb=submission_settings().max_size_mb)
    record = private_file_store(acting_user=acting_user, owner=membership.user,
                                uploaded=uploaded, content_type=found.content_type)
    return record, body


def submission_create(*, acting_user, membership, title, uploaded,
                      token: uuid.UUID | None = None) -> Submission:
    """投稿上传. The same page's token posted again returns the submission already made."""
    from tenant_apps.records.selectors import member_name

    _may_submit(membership)
    title = _title(title)
    if token is not None:
        existing = Submission.objects.filter(membership=membership, token=token).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            document, body = _stored(acting_user, membership, uploaded)
            submission = Submission.objects.create(
                membership=membership, title=title, author_name=member_name(membership),
                document=document, body=body, token=token, submitted_at=timezone.now())
            audit_record(actor=acting_user, action="submission.created", target=submission,
                         data={"title": title, "file": document.original_name})
    except IntegrityError:  # the same token, posted twice at once
        return Submission.objects.get(membership=membership, token=token)
    return submission


@transaction.atomic
def submission_resubmit(*, acting_user, submission: Submission, title,
                        uploaded) -> Submission:
    """A turned-down submission sent again with a new document (and title): 待审核 again."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _may_submit(submission.membership)
    check_transition(submission.status, S.PENDING)
    title = _title(title)
    document, body = _stored(acting_user, submission.membership, uploaded)
    submission.title, submission.document, submission.body = title, document, body
    submission.status, submission.reason = S.PENDING, ""
    submission.submitted_at, submission.decided_at, submission.decided_by = \
        timezone.now(), None, None
    submission.save()
    audit_record(actor=acting_user, action="submission.resubmitted", target=submission,
                 data={"title": title, "file": document.original_name})
    return submission


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


@transaction.atomic
def submission_retitle(*, acting_user, submission: Submission, title) -> Submission:
    """编辑标题: staff correct the title (before or after publishing)."""
    submission = _locked(submission)
    old, submission.title = submission.title, _title(title)
    submission.save(update_fields=["title"])
    audit_record(actor=acting_user, action="submission.retitled", target=submission,
                 data={"from": old, "to": submission.title})
    return submission


@transaction.atomic
def submission_publish(*, acting_user, submission: Submission) -> Submission:
    """审核通过: published in 会员动态 from now on."""
    submission = _locked(submission)
    check_transition(submission.status, S.PUBLISHED)
    now = timezone.now()
    submission.status, submission.decided_at, submission.decided_by = \
        S.PUBLISHED, now, acting_user
    submission.published_at = now
    submission.save()
    audit_record(actor=acting_user, action="submission.published", target=submission)
    _tell_member(submission, "submission_published", {
        "article_link": _link(reverse("submissions:article", args=[submission.public_id]))})
    return submission


@transaction.atomic
def submission_reject(*, acting_user, submission: Submission, reason) -> Submission:
    """审核不通过, with the reason the member reads in 投稿记录."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise AppError("submission_no_reason", _("Give the reason, for the member to read."),
                       field="reason", status=400)
    if len(reason) > 200 or "\x00" in reason:
        raise AppError("submission_reason_long", _(
            "The reason must be at most %(n)d characters.") % {"n": 200},
            field="reason", status=400)
    submission = _locked(submission)
    check_transition(submission.status, S.REJECTED)
    submission.status, submission.reason = S.REJECTED, reason
    submission.decided_at, submission.decided_by = timezone.now(), acting_user
    submission.save()
    audit_record(actor=acting_user, action="submission.rejected", target=submission,
                 reason=reason)
    _tell_member(submission, "submission_rejected", {
        "reason": reason, "submissions_link": _link(reverse("submissions:mine"))})
    return submission


def _link(path: str) -> str:
    from huiji.tenancy.current import current_association
    from tenants.services import association_url

    association = current_association()
    return association_url(association, path) if association else path


def _tell_member(submission: Submission, event: str, params: dict) -> None:
    """The member's SMS and inbox message about staff's decision, through the outbox: written
    in the decision's transaction, so a decision undone sends nothing and one made once sends
    once (a second decision is refused by the state table before reaching here)."""
    from tenant_apps.notifications.services import notify

    notify(event=event, user=submission.membership.user,
           params={"title": submission.title, **params})
