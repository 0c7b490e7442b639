"""Reads of 企业投稿: whether a member may submit, their 投稿记录, the staff's queue, the
public 会员动态."""

from __future__ import annotations

from django.db.models import QuerySet

from tenant_apps.accounts.capabilities import can
from tenant_apps.submissions.models import Submission, SubmissionSettings

S = Submission.Status
PER_PAGE = 20


def settings_row() -> SubmissionSettings:
    return SubmissionSettings.objects.first() or SubmissionSettings()


def submits(membership, settings: SubmissionSettings | None = None) -> bool:
    """企业投稿 is open to this member: the association takes submissions, from the member's
    type, and the membership is in force (not suspended, lapsed or withdrawn)."""
    from tenant_apps.memberships.rules import access

    if membership is None:
        return False
    settings = settings or settings_row()
    if not settings.enabled:
        return False
    if settings.member_types and membership.member_type.code not in settings.member_types:
        return False
    return access(membership).services


def submissions_of(membership) -> QuerySet[Submission]:
    """投稿记录: the member's own, newest first."""
    return Submission.objects.filter(membership=membership).select_related("document")


def submission_of_member(membership, public_id) -> Submission | None:
    if membership is None:
        return None
    return Submission.objects.filter(membership=membership, public_id=public_id).first()


def may_review(user) -> bool:
    return can(user, "submissions.review")


def review_list(*, status: str, page: int) -> tuple[list[Submission], int]:
    """The staff's list: one status (or all), oldest waiting first, a page at a time."""
    rows = Submission.objects.select_related("membership", "document")
    if status:
        rows = rows.filter(status=status)
    rows = rows.order_by("submitted_at", "id") if status == S.PENDING \
        else rows.order_by("-submitted_at", "-id")
    total = rows.count()
    start = (page - 1) * PER_PAGE
    return list(rows[start:start + PER_PAGE]), total


def submission_for_staff(user, public_id) -> Submission | None:
    if not may_review(user):
        return None
    return Submission.objects.filter(public_id=public_id).select_related(
        "membership", "document", "decided_by").first()


def published(*, page: int) -> tuple[list[Submission], int]:
    """会员动态: the published articles, newest first."""
    rows = Submission.objects.filter(status=S.PUBLISHED).order_by("-published_at", "-id") \
        .only("public_id", "title", "author_name", "published_at")
    total = rows.count()
    start = (page - 1) * PER_PAGE
    return list(rows[start:start + PER_PAGE]), total


def published_one(public_id) -> Submission | None:
    return Submission.objects.filter(status=S.PUBLISHED, public_id=public_id) \
        .select_related("document").first()


def paragraphs(submission: Submission) -> list[str]:
    return [line for line in submission.body.splitlines() if line.strip()]
