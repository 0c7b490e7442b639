"""Reads of applications: the applicant's own, the reviewers' queues, status labels."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from tenant_apps.accounts import capabilities
from tenant_apps.applications.engine import type_document, unit_name_in
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import routed_to_branch, target_unstaffed
from tenant_apps.configuration.models import ReviewRole


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
    """The status as the association's manuals word it, naming the step an application waits
    at: 待分会审 / 待总会审 where the chain has a branch step; 等待秘书处审批 at a secretariat
    step; else 待 and the step's configured name (待会员审核); 已驳回（原因）; 信息待补充;
    待缴费; 待确认收款; 正式会员."""
    if application.status == Status.IN_REVIEW and application.review_position is not None:
        chain = type_document(application.revision.document,
                              application.member_type.code)["review_chain"]
        step = chain[application.review_position]
        if any(s.get("branch_routed") for s in chain):
            return _("Awaiting branch review") if routed_to_branch(application, step) \
                else _("Awaiting HQ review")
        return step_waiting_label(step)
    if application.status == Status.REJECTED and application.last_reason:
        return _("Rejected (%(reason)s)") % {"reason": application.last_reason}
    return str(Status(application.status).label)


def reviewed_before_payment(application: Application) -> bool:
    """Whether anyone reviews before the fee: a pay-first chain (CMES 普通会员, CACEM unit,
    every step after_payment) asks for the fee right after submitting, so its 待缴费 must
    not say the application was approved."""
    chain = type_document(application.revision.document,
                          application.member_type.code)["review_chain"]
    return any(step.get("stage") == "before_payment" for step in chain)


def step_waiting_label(step: dict) -> str:
    """What an application waiting at this step is called: the secretariat approves (CAQ:
    等待协会秘书处进行入会审批); any other step is named as configured."""
    if step.get("role") == ReviewRole.SECRETARIAT:
        return _("Awaiting the secretariat's approval")
    return _("Awaiting %(step)s") % {"step": step["name"]}


REVIEW_PAGE_SIZE = 50


def reviewable_by(user, held: frozenset[str] | None = None) -> Q:
    """The applications or change requests in review whose step `user` may decide, as a
    condition on the stored step target (`review_role`, `review_branch`, both models' fields,
    set by services._move and records.change_requests._move from services.step_target): SQL's
    form of services.can_decide_step, which stays the rule (tests hold the two to the same
    hand-written cases: test_review_queue_sql.py, records' test_change_queue_sql.py).
    Staffing is read now (who holds which role, which branches have an active
    administrator), never stored."""
    from tenant_apps.configuration.models import Branch

    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    held = capabilities.held_roles() if held is None else held
    step_roles = [r for r in ReviewRole.values if r != ReviewRole.BRANCH_ADMIN]
    # the steps of the person's own roles
    mine = [r for r in step_roles if capabilities.can(user, f"review.{r}")]
    condition = Q(review_role__in=mine, review_branch__isnull=True)
    branch_scope = capabilities.scope(user, "review.branch_admin")
    if branch_scope == capabilities.ALL:
        condition |= Q(review_role=ReviewRole.BRANCH_ADMIN, review_branch__isnull=False)
    elif branch_scope == capabilities.BRANCH:
        condition |= Q(review_role=ReviewRole.BRANCH_ADMIN,
                       review_branch__in=Branch.objects.filter(admins=user).values("pk"))
    if capabilities.can(user, "review.unstaffed"):
        # steps nobody may decide: roles no active account holds, a branch step without a
        # branch, and branches without an active administrator
        nobody = [r for r in step_roles if target_unstaffed(r, None, held=held)]
        condition |= Q(review_role__in=[*nobody, ReviewRole.BRANCH_ADMIN],
                       review_branch__isnull=True)
        staffed = Branch.objects.filter(admins__is_active=True,
                                        admins__roles__contains=[ReviewRole.BRANCH_ADMIN])
        condition |= Q(review_role=ReviewRole.BRANCH_ADMIN, review_branch__isnull=False) \
            & ~Q(review_branch__in=staffed.values("pk"))
    return condition


@dataclass
class QueuePage:
    rows: list[Application]
    count: int
    page: int
    pages: int
    size: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def review_queue(user, *, page: int = 1, size: int | None = None,
                 held: frozenset[str] | None = None) -> QueuePage:
    """One page of the applications waiting at a step this person may decide, oldest first,
    with how many there are in all. Branch administrators see only applications routed to
    their own branches. Each row carries `unstaffed`: nobody holds the step's role (HQ
    administrators may decide it then). Filtered in SQL (`reviewable_by`); a few queries
    whatever the number of applications: the roles held, the count, the page's ids, its rows,
    the distinct configuration revisions of the page and its branches' administrators.
    `held`: capabilities.held_roles() where the caller reads it for something else too."""
    size = size or REVIEW_PAGE_SIZE
    seen = capabilities.scope(user, "applications.view")
    if seen is None:
        return QueuePage([], 0, 1, 1, size)
    held = capabilities.held_roles() if held is None else held
    rows = Application.objects.filter(reviewable_by(user, held), status=Status.IN_REVIEW)
    if seen == capabilities.BRANCH:
        from tenant_apps.configuration.models import Branch

        rows = rows.filter(branch__in=Branch.objects.filter(admins=user).values("pk"))
    count = rows.count()
    pages = max(1, -(-count // size))
    page = min(max(1, page), pages)
    # The page's ids first, from the applications alone (a top-N of narrow rows), then those
    # rows with what they show: joining before the sort would join every match.
    ids = list(rows.order_by("submitted_at", "pk").values_list("pk", flat=True)
               [(page - 1) * size:page * size])
    place = {pk: n for n, pk in enumerate(ids)}
    found = sorted(Application.objects.filter(pk__in=ids).select_related(
        "member_type", "rank", "applicant", "branch", "review_branch").prefetch_related(
        "revision", "review_branch__admins"), key=lambda a: place[a.pk])
    for application in found:
        application.unstaffed = target_unstaffed(
            application.review_role, application.review_branch, held=held)
    return QueuePage(found, count, page, pages, size)


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


def party_of(application: Application) -> str:
    """Who applies, as staff lists name them: the unit's name for a unit, else the person."""
    try:
        doc = type_document(application.revision.document, application.member_type.code)
    except KeyError:
        doc = {}
    return unit_name_in(doc, application.answers or {}) or str(application.applicant)


def parties(users) -> dict[int, str]:
    """`party_of` for many accounts at once (a few queries): a member's unit by its record
    (current: a renamed unit shows its new name), anyone else's by their newest
    application; individuals, and accounts with neither, by their own name."""
    from tenant_apps.configuration.models import ConfigurationRevision
    from tenant_apps.records.models import MemberRecord

    users = {u.pk: u for u in users}
    out: dict[int, str] = {}
    records = list(MemberRecord.objects.filter(membership__user_id__in=users).select_related(
        "membership__member_type").only("values", "membership__user_id",
                                        "membership__member_type__code",
                                        "membership__member_type__kind"))
    if records:
        current = ConfigurationRevision.objects.values_list("document", flat=True).first() \
            or {}
        for record in records:
            try:
                doc = type_document(current, record.membership.member_type.code)
            except KeyError:
                continue
            name = unit_name_in(doc, record.values or {})
            if name:
                out[record.membership.user_id] = name
    latest: dict[int, Application] = {}
    for application in Application.objects.filter(applicant_id__in=users).exclude(
            status=Status.WITHDRAWN).only("applicant_id", "answers", "member_type_id",
                                          "revision_id", "created_at").order_by("-created_at"):
        latest.setdefault(application.applicant_id, application)
    documents = dict(ConfigurationRevision.objects.filter(pk__in={
        a.revision_id for a in latest.values()}).values_list("pk", "document"))
    from tenant_apps.configuration.models import MemberType

    codes = dict(MemberType.objects.values_list("pk", "code"))
    for pk, user in users.items():
        if pk in out:
            continue
        application, name = latest.get(pk), ""
        if application is not None:
            try:
                doc = type_document(documents[application.revision_id],
                                    codes.get(application.member_type_id, ""))
            except KeyError:
                doc = {}
            name = unit_name_in(doc, application.answers or {})
        out[pk] = name or str(user)
    return out


def join_progress(application: Application | None) -> list[dict]:
    """The applicant's progress bar in the stages the association's manual draws (profile key
    join_progress; none: no bar), each done, current or to come. The review counts as part
    of the stage that covers it (Jiangsu: 填报信息 until approved), marked `in_review`; a stage
    with nothing to do for this type (no fee, no uploads) is left out."""
    from tenant_apps.accounts.selectors import account_settings

    stages = account_settings().join_progress or []
    if not stages or application is None or application.purpose != Application.Purpose.JOIN \
            or application.status == Status.WITHDRAWN:
        return []
    from tenant_apps.applications.services import amount_due_fen, type_doc

    absent = set()
    if not (application.paid_at or amount_due_fen(application)):
        absent.add("payment")
    if not type_doc(application).get("uploads"):
        absent.add("uploads")
    phase, in_review = _join_phase(application)
    covered = {p for s in stages for p in s["covers"]}
    if phase == "uploads" and "uploads" not in covered:
        phase = "form"
    out, reached = [], False
    for stage in stages:
        if set(stage["covers"]) <= absent:
            continue
        current = phase in stage["covers"] and phase != "joined"
        reached = reached or current
        out.append({"title": stage["label"], "current": current,
                    "done": phase == "joined" or not reached,
                    "in_review": current and in_review})
    return out


def receipt_order(application: Application):
    """The paid order a new member may ask a fee receipt for (我要开票), if the type issues one."""
    if not application.member_type.invoice:
        return None
    return application.orders.filter(paid_at__isnull=False).order_by("-paid_at").first()


def _join_phase(application: Application) -> tuple[str, bool]:
    """Where the application is (JOIN_PHASES of the profile), and whether it waits for
    staff there."""
    status = application.status
    if status == Status.COMPLETED:
        return "joined", False
    if status == Status.AWAITING_PAYMENT:
        return "payment", False
    if status == Status.PAYMENT_REVIEW:
        return "payment", True
    if status == Status.IN_REVIEW:
        return "review", True
    if status == Status.DRAFT and application.wizard_step in ("uploads", "confirm"):
        return "uploads", False
    return "form", False
