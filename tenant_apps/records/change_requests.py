"""Changes a member asks for and staff review (docs/member-record.md#change-requests).

Which fields a member changes at once (`record.editable`), which it asks to change with proof
for reviewers to decide (`record.reviewed`, `record.change_review`: CAQ 信息变更, the generic
society's 资料变更申请) and which only staff change (all others) is the member type's
configuration. Joining a branch (加入分支机构, `record.branch_join`) is a request of its own
kind, decided by the administrators of the branch asked.

A request keeps the old and new value of each field side by side, waits at each configured
step in turn (the same rule of who decides a step as applications': can_decide_step) and is
applied all at once by `records.services.record_write` when the last step approves, with one
audit row. The member is told of the outcome by the outbox.

Every move between steps and statuses goes through `_move`, which also stores whose the step
waited at is (`review_role`, `review_branch`: applications.services.step_target) so that the
reviewers' queue is one indexed query (selectors.change_request_queue); a member moved to
another branch carries their open requests' targets along (`change_requests_follow_branch`).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.records.layout import layout_of
from tenant_apps.records.models import ChangeRequest, ChangeRequestProof, MemberRecord
from tenant_apps.records.services import (
    record_account_name,
    record_checked_values,
    record_diff,
    record_locked,
    record_type_doc,
    record_write,
)
from tenant_apps.records.state import check_transition

Kind = ChangeRequest.Kind
Status = ChangeRequest.Status

MAX_PROOFS = 5
MAX_PROOF_MB = 10


def _member_may_ask(actor, record: MemberRecord) -> None:
    from tenant_apps.memberships.rules import access

    if actor.pk != record.membership.user_id:
        raise Forbidden
    if not access(record.membership).services:
        raise AppError("services_closed", _("Your membership is not in force: renew it before "
                                            "asking for changes."), status=403)


def _open_one(record: MemberRecord, kind: str, **fields) -> ChangeRequest:
    """Create the request; a second open one of the same kind is refused (the record's lock
    serialises two submissions, the unique constraint backs it)."""
    if record.change_requests.filter(kind=kind, status=Status.IN_REVIEW).exists():
        raise AppError("request_open", _("You already have a request of this kind in review. "
                                         "Wait for its decision, or take it back first."),
                       status=409)
    request = ChangeRequest(record=record, kind=kind, **fields)
    _move(request, to=Status.IN_REVIEW, position=0)
    try:
        with transaction.atomic():
            request.save(force_insert=True)
            return request
    except IntegrityError as exc:
        raise AppError("request_open", _("You already have a request of this kind in "
                                         "review."), status=409) from exc


@transaction.atomic
def change_request_submit(*, acting_user, record: MemberRecord, changes: dict,
                          proofs: list = (), note: str = "") -> ChangeRequest:
    """A member asks to change fields the profile marks `reviewed`. `changes` is {key: new
    value} as the page posts it (unchanged fields may be included: only differences are
    asked for); `proofs` are uploaded files (CAQ 上传证明材料). Refused with nothing stored:
    a field not reviewed, a bad value (400, the field named), nothing changed, missing proof,
    a request already open (409)."""
    record = record_locked(record)
    _member_may_ask(acting_user, record)
    layout = layout_of(record_type_doc(record))
    review = layout.get("change_review")
    if not layout["reviewed"] or not review:
        raise AppError("not_reviewed", _("Changes of your details are not reviewed here."),
                       status=404)
    cleaned = record_checked_values(record, changes, allowed=layout["reviewed"],
                                    layout=layout)
    diff = record_diff(record, cleaned)
    if not diff:
        raise AppError("nothing_changed", _("You have not changed anything."))
    record_account_name(record, diff, save=False, layout=layout)
    proofs = [p for p in proofs if p is not None]
    if review["proof"] == "required" and not proofs:
        raise AppError("proof_required", _("Upload the proof of the change (%(label)s).")
                       % {"label": review["proof_label"] or _("proof materials")},
                       field="proof")
    if review["proof"] == "none":
        proofs = []
    if len(proofs) > MAX_PROOFS:
        raise AppError("too_many_files", _("At most %(n)d files.") % {"n": MAX_PROOFS},
                       field="proof")
    checked = [_checked_proof(review, upload) for upload in proofs]
    request = _open_one(record, Kind.INFO, changes=diff, note=_note(note),
                        steps=review["steps"], requested_by=acting_user)
    from tenant_apps.files.services import private_file_store

    for upload, content_type in checked:
        stored = private_file_store(acting_user=acting_user, owner=record.membership.user,
                                    uploaded=upload, content_type=content_type)
        ChangeRequestProof.objects.create(request=request, file=stored)
    audit_record(actor=acting_user, action="change_request.submitted", target=request,
                 data={"kind": request.kind, "changes": diff, "proofs": len(checked)})
    return request


def _note(note: str) -> str:
    from huiji.reasons import reason_checked

    return reason_checked(note, field="note")


def _checked_proof(review: dict, upload) -> tuple:
    from tenant_apps.files.formats import formats_label
    from tenant_apps.files.sniff import sniff

    found = sniff(upload)
    if found.extension not in review["formats"]:
        raise AppError("file_kind", _("Upload the proof as %(formats)s.")
                       % {"formats": formats_label(review["formats"])}, field="proof")
    if upload.size > MAX_PROOF_MB * 1024 * 1024:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.")
                       % {"n": MAX_PROOF_MB}, field="proof")
    return upload, found.content_type


@transaction.atomic
def branch_join_submit(*, acting_user, record: MemberRecord, branch_code: str,
                       note: str = "") -> ChangeRequest:
    """加入分支机构: the member asks to join a branch (reason optional); the branch's
    administrators (or the steps the type names) decide."""
    from tenant_apps.configuration.models import Branch

    record = record_locked(record)
    _member_may_ask(acting_user, record)
    review = layout_of(record_type_doc(record)).get("branch_join")
    if not review:
        raise AppError("no_branch_join", _("Joining a branch is not offered here."),
                       status=404)
    branch = Branch.objects.filter(code=str(branch_code or ""), active=True,
                                   accepts_applications=True).first()
    if branch is None:
        raise AppError("invalid_branch", _("Choose a branch from the list."), field="branch")
    if branch.pk == record.branch_id:
        raise AppError("same_branch", _("You are already a member of this branch."),
                       field="branch")
    old = record.branch.code if record.branch_id else None
    request = _open_one(record, Kind.BRANCH, changes={"branch": {"old": old,
                                                                 "new": branch.code}},
                        branch=branch, note=_note(note), steps=review["steps"],
                        requested_by=acting_user)
    audit_record(actor=acting_user, action="change_request.submitted", target=request,
                 data={"kind": request.kind, "branch": branch.code})
    from tenant_apps.privacy.services import consent_record

    # asking to join is agreeing that the branch's administrators see the record
    consent_record(user=record.membership.user, purpose="branch_sharing", given=True,
                   where="branch_request", subject=branch.code,
                   detail={"branch": branch.name})
    return request


def request_branch(request: ChangeRequest):
    """The branch a request is about (whose administrators decide branch-routed steps): the
    branch asked to join, or the member's own branch for a change of details."""
    return request.branch if request.kind == Kind.BRANCH else request.record.branch


def _target(request: ChangeRequest) -> tuple[str, object]:
    """Whose the step the request waits at is: (role, branch or None); ("", None) once
    decided."""
    from tenant_apps.applications.services import step_target

    if request.status != Status.IN_REVIEW or not request.steps:
        return "", None
    return step_target(request.steps[request.position], request_branch(request))


def _move(request: ChangeRequest, *, to: str, position: int | None = None) -> None:
    """The one way a request moves (submitted, the next step's turn, approved, rejected,
    taken back): the state table checked, and the target of the step it now waits at stored
    for the queue (empty once decided). The caller saves (TARGET_FIELDS among its fields)."""
    check_transition(request.status, to)
    request.status = to
    if position is not None:
        request.position = position
    if to != Status.IN_REVIEW:
        request.decided_at = timezone.now()
    request.review_role, request.review_branch = _target(request)


TARGET_FIELDS = ["status", "position", "decided_at", "review_role", "review_branch"]


def change_requests_follow_branch(record: MemberRecord) -> int:
    """The record moved to another branch: its open changes of details, whose branch-routed
    steps are its branch's administrators', wait for the new branch's now. Inside the
    caller's transaction; returns how many were moved."""
    moved = 0
    for request in ChangeRequest.objects.select_for_update().filter(
            record=record, kind=Kind.INFO, status=Status.IN_REVIEW):
        request.record = record
        role, branch = _target(request)
        if (role, getattr(branch, "pk", None)) != (request.review_role,
                                                   request.review_branch_id):
            request.review_role, request.review_branch = role, branch
            request.save(update_fields=["review_role", "review_branch"])
            moved += 1
    return moved


def can_decide(user, request: ChangeRequest, held=None) -> bool:
    from tenant_apps.applications.services import can_decide_step

    if request.status != Status.IN_REVIEW:
        return False
    return can_decide_step(user, request.steps[request.position], request_branch(request),
                           held=held)


def _locked_request(request: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.objects.select_for_update(of=("self",)).select_related(
        "record__membership__user", "record__membership__member_type", "record__branch",
        "branch").get(pk=request.pk)


@transaction.atomic
def change_request_decide(*, actor, request: ChangeRequest, decision: str,
                          expected_position: int, reason: str = "") -> ChangeRequest:
    """Approve or reject the step the request waits at. `expected_position` is the step the
    reviewer saw: a step another reviewer decided first is not decided twice (409). The
    last approval applies the change at once; a rejection needs a reason, shown to the
    member."""
    record_locked(request.record)  # the record first, as every writer of it locks it
    request = _locked_request(request)
    if request.status != Status.IN_REVIEW or request.position != expected_position:
        raise AppError("already_decided", _("Another reviewer has already handled this step. "
                                            "Reload the page to see where it stands."),
                       status=409)
    if not can_decide(actor, request):
        raise Forbidden
    if decision not in ("approve", "reject"):
        raise AppError("invalid_decision", _("Choose approve or reject."), field="decision")
    from huiji.reasons import reason_checked

    reason = reason_checked(reason, required=_("Give the reason for the rejection.")
                            if decision == "reject" else None)
    step = request.steps[request.position]
    request.decisions = [*request.decisions, {
        "step": step["name"], "decision": decision, "actor": actor.pk,
        "actor_label": str(actor), "reason": reason, "at": timezone.now().isoformat()}]
    last = request.position + 1 >= len(request.steps)
    if decision == "reject":
        target = Status.REJECTED
    else:
        target = Status.APPROVED if last else Status.IN_REVIEW
    _move(request, to=target,
          position=request.position + 1 if target == Status.IN_REVIEW else None)
    if target != Status.IN_REVIEW:
        request.reason = reason if target == Status.REJECTED else ""
    if target == Status.APPROVED:
        _apply(actor, request)
    request.save()
    audit_record(actor=actor, action=f"change_request.{decision}d", target=request,
                 reason=reason, data={"step": step["name"], "status": request.status})
    if target != Status.IN_REVIEW:
        _tell(request)
    return request


def _apply(actor, request: ChangeRequest) -> None:
    record = request.record
    if request.kind == Kind.BRANCH:
        from tenant_apps.records.services import record_set_branch

        record_set_branch(acting_user=actor, record=record, branch=request.branch,
                          data={"request": str(request.public_id)}, always=True)
        return
    # Checked again against today's configuration: a field the association has since
    # removed, or a rule it tightened, is refused here with the field named (nothing applied).
    layout = layout_of(record_type_doc(record))
    cleaned = record_checked_values(record, {k: v["new"] for k, v in request.changes.items()},
                                    layout=layout)
    record_write(acting_user=actor, record=record, cleaned=cleaned, layout=layout,
                 action="record.change_approved", data={"request": str(request.public_id)})


def _tell(request: ChangeRequest) -> None:
    from django.urls import reverse

    from huiji.tenancy.current import current_association
    from tenant_apps.notifications.services import notify
    from tenants.services import association_url

    user = request.record.membership.user
    association = current_association()
    page = reverse("records:request", args=[request.public_id])
    params = {"request": str(request.get_kind_display()),
              "request_link": association_url(association, page) if association else page}
    if request.status == Status.APPROVED:
        notify(event="change_approved", user=user, params=params)
    else:
        notify(event="change_rejected", user=user, params={**params, "reason": request.reason})


@transaction.atomic
def change_request_cancel(*, acting_user, request: ChangeRequest) -> ChangeRequest:
    """The member takes back a request still in review."""
    record_locked(request.record)
    request = _locked_request(request)
    if acting_user.pk != request.record.membership.user_id:
        raise Forbidden
    _move(request, to=Status.CANCELLED)
    request.save(update_fields=TARGET_FIELDS)
    audit_record(actor=acting_user, action="change_request.cancelled", target=request)
    return request


def change_requests_close(*, membership, actor) -> int:
    """退会: the member's requests still in review are taken back with it (a withdrawn
    member's details are not changed afterwards, nor told they were). Inside the caller's
    transaction; returns how many."""
    check_transition(Status.IN_REVIEW, Status.CANCELLED)
    rows = list(ChangeRequest.objects.select_for_update().filter(
        record__membership=membership, status=Status.IN_REVIEW))
    for request in rows:
        _move(request, to=Status.CANCELLED)
        request.reason = _("The membership ended.")
        request.save(update_fields=[*TARGET_FIELDS, "reason"])
        audit_record(actor=actor, action="change_request.cancelled", target=request,
                     reason=str(request.reason))
    return len(rows)
