"""Reads of applications: the applicant's own, the reviewers' queues, status labels."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tenant_apps.accounts import capabilities
from tenant_apps.applications.engine import type_document
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import can_review, routed_to_branch, step_unstaffed


def open_application(user) -> Application | None:
    return Application.objects.filter(applicant=user).exclude(
        status__in=[Status.COMPLETED, Status.WITHDRAWN]).select_related(
        "member_type", "revision").first()


def level_changes_of(user) -> list[Application]:
    """The member's level changes, newest first."""
    return list(Application.objects.filter(
        applicant=user, purpose=Application.Purpose.LEVEL_CHANGE).select_related(
        "member_type", "rank", "revision"))


def joining_application(user) -> Application | None:
    """The member's (newest, not withdrawn) application to join."""
    return Application.objects.filter(applicant=user, purpose=Application.Purpose.JOIN).exclude(
        status=Status.WITHDRAWN).select_related("member_type", "revision", "rank").first()


def application_for_applicant(user, public_id) -> Application | None:
    return Application.objects.filter(applicant=user, public_id=public_id).select_related(
        "member_type", "revision", "rank", "branch").first()


def status_label(application: Application) -> str:
    """The status as the association's manuals word it: 待分会审 / 待总会审 where the chain
    has a branch step, else 审核中; 已驳回（原因）; 信息待补充; 待缴费; 正式会员."""
    if application.status == Status.IN_REVIEW and application.review_position is not None:
        chain = type_document(application.revision.document,
                              application.member_type.code)["review_chain"]
        if any(s.get("branch_routed") for s in chain):
            step = chain[application.review_position]
            return _("Awaiting branch review") if routed_to_branch(application, step) \
                else _("Awaiting HQ review")
        return str(Status.IN_REVIEW.label)
    if application.status == Status.REJECTED and application.last_reason:
        return _("Rejected (%(reason)s)") % {"reason": application.last_reason}
    return str(Status(application.status).label)


def review_queue(user) -> list[Application]:
    """Applications waiting at a step this person may decide. Branch administrators see only
    applications routed to their own branches. Each carries `unstaffed`: nobody holds the
    step's role (HQ administrators may decide it then)."""
    seen = capabilities.scope(user, "applications.view")
    if seen is None:
        return []
    candidates = Application.objects.filter(status=Status.IN_REVIEW).select_related(
        "member_type", "revision", "applicant", "branch").prefetch_related(
        "branch__admins").order_by("submitted_at")
    if seen == capabilities.BRANCH:
        candidates = candidates.filter(branch__admins=user)
    held = capabilities.held_roles()
    out = []
    for application in candidates:
        chain = type_document(application.revision.document,
                              application.member_type.code)["review_chain"]
        step = chain[application.review_position]
        if can_review(user, application, step, held=held):
            application.unstaffed = step_unstaffed(application, step, held=held)
            out.append(application)
    return out


def application_for_reviewer(user, public_id) -> Application | None:
    """An application a staff member may open: any for HQ roles and finance/secretariat; for
    branch administrators only those routed to their branches (capabilities.py,
    applications.view)."""
    seen = capabilities.scope(user, "applications.view")
    if seen is None:
        return None
    rows = Application.objects.filter(public_id=public_id)
    if seen == capabilities.ALL:
        return rows.select_related("member_type", "revision", "applicant").first()
    return rows.filter(Q(branch__admins=user)).select_related(
        "member_type", "revision", "applicant").first()
