"""Pages of personal-data rights: the privacy policy, 我的数据 in the member centre (consents,
the download, 申请删除个人信息) and HQ's queue of deletion requests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.privacy import selectors, services
from tenant_apps.privacy.models import DeletionRequest, Purpose
from tenant_apps.privacy.texts import wording


def policy(request):
    """The association's privacy policy (the wording people agree to at sign-up)."""
    return render(request, "privacy/policy.html", {"text": wording(Purpose.PRIVACY_POLICY)})


def _page(request, *, error=None, reason="", status=200):
    context = selectors.my_data_page(request.user)
    context.update({"error": error, "reason": reason,
                    "may_ask": not request.user.is_association_staff})
    return render(request, "privacy/mine.html", context, status=status)


@login_required
def my_data(request):
    return _page(request)


@login_required
@require_POST
def export_start(request):
    services.data_export_start(user=request.user)
    messages.success(request, _("Your data is being prepared. Download it below when it is "
                                "ready."))
    return redirect("privacy:mine")


@login_required
def export_download(request, public_id):
    try:
        export = services.data_export_for_owner(user=request.user, public_id=public_id)
    except Exception as exc:  # NotFound: someone else's, or none
        raise Http404 from exc
    if export.file is None:
        raise Http404
    response = FileResponse(export.file.file.open("rb"), content_type="application/zip",
                            as_attachment=True, filename=export.file.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def deletion_ask(request):
    reason = request.POST.get("reason", "")
    try:
        services.deletion_request_submit(user=request.user, reason=reason)
    except AppError as exc:
        return _page(request, error=exc, reason=reason, status=exc.status)
    messages.success(request, _("Your request is sent. The association will handle it and "
                                "tell you the outcome."))
    return redirect("privacy:mine")


STATUSES = (DeletionRequest.Status.SUBMITTED, DeletionRequest.Status.DONE,
            DeletionRequest.Status.REJECTED)


@login_required
def queue(request):
    if not can(request.user, "privacy.handle"):
        return render(request, "404.html", status=404)
    status = request.GET.get("status") or DeletionRequest.Status.SUBMITTED
    if status not in STATUSES:
        status = DeletionRequest.Status.SUBMITTED
    rows = services.deletion_queue(request.user, status=status)[:200]
    return render(request, "privacy/queue.html", {
        "rows": rows, "status": status,
        "tabs": [(s, DeletionRequest.Status(s).label) for s in STATUSES]})


@login_required
def request_detail(request, public_id):
    if not can(request.user, "privacy.handle"):
        return render(request, "404.html", status=404)
    found = DeletionRequest.objects.filter(public_id=public_id).select_related(
        "user", "decided_by").first()
    if found is None:
        return render(request, "404.html", status=404)
    error, status = None, 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "reject":
                services.deletion_request_reject(acting_user=request.user, request=found,
                                                 reason=request.POST.get("reason", ""))
                messages.success(request, _("The request is rejected; the member is told "
                                            "why."))
            else:
                services.deletion_request_complete(acting_user=request.user, request=found)
                messages.success(request, _("The member's personal data is deleted."))
        except Forbidden:
            return render(request, "404.html", status=404)
        except AppError as exc:
            error, status = exc, exc.status
        else:
            return redirect("privacy:request", public_id=found.public_id)
    blockers = services.deletion_blockers(found.user) \
        if found.status == DeletionRequest.Status.SUBMITTED else []
    return render(request, "privacy/request.html", {
        "found": found, "blockers": blockers, "error": error,
        "reason": request.POST.get("reason", "")}, status=status)
