"""Change requests' pages: the member asks (信息变更 / 资料变更申请 with proof, 加入分支机构) and
follows them under 我的申请; reviewers see old and new side by side and decide."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.memberships.decorators import member_services_required
from tenant_apps.records import selectors
from tenant_apps.records.change_requests import (
    branch_join_submit,
    can_decide,
    change_request_cancel,
    change_request_decide,
    change_request_submit,
)
from tenant_apps.records.layout import layout_of
from tenant_apps.records.models import ChangeRequest
from tenant_apps.records.services import _revision_document, record_type_doc


def _record_or_404(request):
    record = selectors.record_of_member(request.user)
    if record is None:
        raise Http404
    return record


def _open_request(user, kind: str):
    """The member's request of this kind still in review (one at a time), or None."""
    return next((r for r in selectors.change_requests_of(user)
                 if r.kind == kind and r.status == ChangeRequest.Status.IN_REVIEW), None)


def _submitted(request, change_request):
    messages.success(request, _("Your request is submitted. You will be told of the "
                                "decision."))
    return redirect("records:request", public_id=change_request.public_id)


def _reviewed_fields(record, document) -> tuple[dict, list[dict]]:
    """The change-review settings and the fields a member asks to change, in the order of
    the record's tabs."""
    layout = layout_of(record_type_doc(record, document))
    fields = [f for s in layout["sections"] for f in s["fields"]
              if f["key"] in layout["reviewed"] and f["type"] != "image"]
    return layout.get("change_review") or {}, fields


@login_required
@member_services_required
def change(request):
    """信息变更: the reviewed fields, filled with today's values, the proof and a note. An
    open request is shown instead of a second form."""
    from tenant_apps.applications.forms import answers_from_post, field_rows, region_data
    from tenant_apps.files.formats import formats_accept, formats_label

    record = _record_or_404(request)
    document = _revision_document()
    review, fields = _reviewed_fields(record, document)
    if not fields:
        raise Http404
    open_request = _open_request(request.user, ChangeRequest.Kind.INFO)
    shim = SimpleNamespace(revision=SimpleNamespace(document=document), answers=record.values)
    values, error, status = dict(record.values or {}), None, 200
    note = ""
    again = next((r for r in selectors.change_requests_of(request.user)
                  if str(r.public_id) == request.GET.get("again", "")
                  and r.kind == ChangeRequest.Kind.INFO), None)
    if again is not None and request.method != "POST":
        # 重新申请 after a rejection: what was asked, to correct rather than type again
        values.update({key: change["new"] for key, change in again.changes.items()})
        note = again.note
    if request.method == "POST" and open_request is None:
        note = request.POST.get("note", "")
        try:
            changes = answers_from_post(fields, request, application=shim)
            values.update(changes)
            new = change_request_submit(acting_user=request.user, record=record,
                                        changes=changes, note=note,
                                        proofs=request.FILES.getlist("proof"))
        except AppError as exc:
            error, status = exc, exc.status
        else:
            return _submitted(request, new)
    errors = {error.field: error.message} if error and error.field else {}
    return render(request, "records/change.html", {
        "rows": field_rows(fields, values, errors, application=shim), "review": review,
        "open_request": open_request, "error": error, "note": note,
        "region_data": region_data(fields),
        "proof_accept": formats_accept(review.get("formats") or []),
        "proof_formats": formats_label(review.get("formats") or [])}, status=status)


@login_required
@member_services_required
def branch_join(request):
    """加入分支机构: choose the branch, a reason if you like, and wait for its review."""
    from tenant_apps.configuration.models import Branch

    record = _record_or_404(request)
    layout = layout_of(record_type_doc(record))
    if not layout.get("branch_join"):
        raise Http404
    open_request = _open_request(request.user, ChangeRequest.Kind.BRANCH)
    error, status = None, 200
    chosen, note = request.POST.get("branch", ""), request.POST.get("note", "")
    if request.method == "POST" and open_request is None:
        try:
            new = branch_join_submit(acting_user=request.user, record=record,
                                     branch_code=chosen, note=note)
        except AppError as exc:
            error, status = exc, exc.status
        else:
            return _submitted(request, new)
    branches = Branch.objects.filter(active=True, accepts_applications=True).exclude(
        pk=record.branch_id)
    return render(request, "records/branch_join.html", {
        "record": record, "branches": branches, "open_request": open_request,
        "error": error, "chosen": chosen, "note": note}, status=status)


@login_required
def requests(request):
    """我的申请: joining, level changes, changes of details and branch requests."""
    return render(request, "records/requests.html",
                  {"rows": selectors.my_applications(request.user)})


@login_required
def request_detail(request, public_id):
    change_request = selectors.change_request_of_member(request.user, public_id)
    if change_request is None:
        raise Http404
    return render(request, "records/request.html", _shown(change_request, request.user))


@login_required
@require_POST
def request_cancel(request, public_id):
    change_request = selectors.change_request_of_member(request.user, public_id)
    if change_request is None:
        raise Http404
    try:
        change_request_cancel(acting_user=request.user, request=change_request)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request is taken back."))
    return redirect("records:request", public_id=public_id)


def _shown(change_request, viewer) -> dict:
    from django.utils.dateparse import parse_datetime

    return {"change_request": change_request, "membership": change_request.record.membership,
            "decisions": [{**d, "at": parse_datetime(d["at"])}
                          for d in change_request.decisions],
            "rows": selectors.change_rows(change_request, viewer=viewer),
            "label": selectors.request_status_label(change_request),
            "proofs": [p.file for p in change_request.proofs.all()]}


# --- staff ---------------------------------------------------------------------------------

def _decider(change_request) -> str:
    """Who decides the step a request waits at, as a role's name (a branch's administrators
    by the branch's name), for staff who may read the request but not decide it."""
    from tenant_apps.configuration.models import ReviewRole
    from tenant_apps.records.change_requests import request_branch

    if change_request.status != ChangeRequest.Status.IN_REVIEW:
        return ""
    from tenant_apps.applications.services import step_branch

    step = change_request.steps[change_request.position]
    routed = step_branch(step, request_branch(change_request))
    if routed is not None:
        return _("the administrators of %(branch)s") % {"branch": routed.name}
    role = ReviewRole.HQ_REVIEWER if step.get("branch_routed") else step["role"]
    return str(ReviewRole(role).label)


@login_required
def queue(request):
    """The change requests waiting for this person, oldest first, 50 a page (`?page=`)."""
    if not request.user.is_association_staff:
        raise Http404
    from huiji.forms import PageForm, parsed
    from tenant_apps.applications.selectors import parties

    try:
        page = parsed(PageForm, request.GET)["page"] or 1
    except AppError as exc:
        return render(request, "400.html", {"message": exc.message}, status=400)
    found = selectors.change_request_queue(request.user, page=page)
    names = parties([r.record.membership.user for r in found.rows])
    return render(request, "records/change_queue.html", {"found": found, "rows": [
        {"request": r, "party": names.get(r.record.membership.user_id, ""),
         "label": selectors.request_status_label(r),
         "step": r.steps[r.position]["name"]} for r in found.rows]})


@login_required
def review(request, public_id):
    change_request = selectors.change_request_for_staff(request.user, public_id)
    if change_request is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            position = int(request.POST.get("position", ""))
        except ValueError:
            position = -1
        try:
            change_request_decide(actor=request.user, request=change_request,
                                  decision=request.POST.get("decision", ""),
                                  expected_position=position,
                                  reason=request.POST.get("reason", ""))
        except AppError as exc:
            error = exc
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("records:change-queue")
        change_request.refresh_from_db()
    from tenant_apps.applications.selectors import parties

    member = change_request.record.membership.user
    return render(request, "records/change_review.html", {
        **_shown(change_request, request.user), "error": error,
        "party": parties([member])[member.pk],
        "can_decide": can_decide(request.user, change_request), "staff_view": True,
        "decider": _decider(change_request),
        "reason": request.POST.get("reason", "") if error else ""},
        status=error.status if error else 200)
