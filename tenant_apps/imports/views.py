"""导入会员: the staff's pages (HQ administrators, `members.manage`) to upload a file, map its
columns, see every refused row before anything is written, write it in the background with a
progress bar, and invite the imported members to 首次登录."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from huiji.forms import parsed
from tenant_apps.accounts.capabilities import capability_required
from tenant_apps.imports import selectors
from tenant_apps.imports.models import DuplicatePolicy, MemberImport
from tenant_apps.imports.services import (
    import_check,
    import_fail_to_start,
    import_members,
    import_start,
    import_upload,
    invitations_send,
)

FORBIDDEN = "imports/forbidden.html"
PREVIEW_ROWS = 10


class UploadForm(forms.Form):
    member_type = forms.ChoiceField(label=gettext_lazy("Member type"))

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_type"].choices = [(t.code, t.name) for t in types]


class PolicyForm(forms.Form):
    policy = forms.ChoiceField(choices=DuplicatePolicy.choices,
                               error_messages={"required": gettext_lazy(
                                   "Choose what to do with existing members."),
                                   "invalid_choice": gettext_lazy(
                                   "Choose what to do with existing members.")})


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, context, status=status)


@capability_required("members.manage", template=FORBIDDEN)
def imports(request):
    """The list of imports and the upload form."""
    types = selectors.member_types()
    form = UploadForm(request.POST or None, types=types)
    status, error = 200, None
    if request.method == "POST":
        try:
            data = parsed(lambda d: UploadForm(d, types=types), request.POST)
            member_import = import_upload(
                acting_user=request.user, uploaded=request.FILES.get("file"),
                member_type=next(t for t in types if t.code == data["member_type"]))
        except AppError as exc:
            status, error = exc.status, exc
        else:
            return redirect("imports:detail", public_id=member_import.public_id)
    return _page(request, "imports/list.html", {
        "form": form, "types": types, "error": error,
        "imports": selectors.recent_imports()}, status)


def _for_staff(request, public_id):
    return selectors.import_for_staff(viewer=request.user, public_id=public_id)


@capability_required("members.manage", template=FORBIDDEN)
def detail(request, public_id, *, error: AppError | None = None, status: int = 200,
           mapping: dict | None = None):
    member_import = _for_staff(request, public_id)
    if member_import is None:
        return _page(request, "imports/not_found.html", {}, 404)
    context = {"imp": member_import, "error": error, "policies": DuplicatePolicy.choices,
               "S": MemberImport.Status}
    S = MemberImport.Status
    if member_import.status in (S.UPLOADED, S.CHECKED):
        context.update(selectors.mapping_page(member_import, mapping=mapping,
                                              preview_rows=PREVIEW_ROWS))
        context["shown_errors"] = member_import.errors[:200]
        context["to_write"] = member_import.total_rows - member_import.invalid_rows
    if member_import.status in (S.DONE, S.FAILED):
        context["members"] = list(import_members(member_import).order_by("number")[:50])
    return _page(request, "imports/detail.html", context, status)


@require_POST
@capability_required("members.manage", template=FORBIDDEN)
def check(request, public_id):
    """Map the columns, choose the policy, check every row: the page shows the result."""
    member_import = _for_staff(request, public_id)
    if member_import is None:
        return _page(request, "imports/not_found.html", {}, 404)
    mapping = {key[4:]: value for key, value in request.POST.items()
               if key.startswith("col_") and key[4:].isdigit() and value}
    try:
        policy = parsed(PolicyForm, request.POST)["policy"]
        import_check(acting_user=request.user, member_import=member_import, mapping=mapping,
                     policy=policy)
    except AppError as exc:
        return detail(request, public_id, error=exc, status=exc.status, mapping=mapping)
    return redirect(reverse("imports:detail", args=[public_id]) + "#result")


@require_POST
@capability_required("members.manage", template=FORBIDDEN)
def start(request, public_id):
    """Write the checked rows in the background (eager: at once) and show the progress."""
    from tenant_apps.imports.tasks import import_run_task

    member_import = _for_staff(request, public_id)
    if member_import is None:
        return _page(request, "imports/not_found.html", {}, 404)
    try:
        member_import = import_start(acting_user=request.user, member_import=member_import)
    except AppError as exc:
        return detail(request, public_id, error=exc, status=exc.status)
    try:
        import_run_task.delay(member_import.pk)
    except Exception:  # no broker: say so rather than leave the import waiting for ever
        import_fail_to_start(member_import, _("The background worker could not be reached. "
                                              "Upload the file again later."))
    return redirect("imports:detail", public_id=public_id)


@capability_required("members.manage", template=FORBIDDEN)
def progress(request, public_id):
    """The progress bar's data: {status, label, done, total, percent, created, updated,
    skipped, failures}. One query."""
    member_import = _for_staff(request, public_id)
    if member_import is None:
        return JsonResponse({"error": {"code": "not_found", "message": _("Not found.")}},
                            status=404)
    return JsonResponse(selectors.progress_of(member_import))


@capability_required("members.manage", template=FORBIDDEN)
def error_report(request, public_id):
    """The refused rows as an Excel file: row number, every reason, then the row as it was."""
    member_import = _for_staff(request, public_id)
    if member_import is None:
        return _page(request, "imports/not_found.html", {}, 404)
    from tenant_apps.imports.reports import error_report_xlsx

    response = HttpResponse(error_report_xlsx(member_import), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = 'attachment; filename="import-errors.xlsx"'
    return response


@require_POST
@capability_required("members.manage", template=FORBIDDEN)
def invite_all(request, public_id):
    member_import = _for_staff(request, public_id)
    if member_import is None:
        return _page(request, "imports/not_found.html", {}, 404)
    try:
        sent = invitations_send(acting_user=request.user,
                                memberships=import_members(member_import),
                                member_import=member_import)
    except AppError as exc:
        return detail(request, public_id, error=exc, status=exc.status)
    messages.success(request, _("%(n)d invitation messages are on their way.") % {"n": sent})
    return redirect("imports:detail", public_id=public_id)


@require_POST
@capability_required("members.manage", template=FORBIDDEN)
def invite_one(request, number: str):
    """(Re)send the invitation to 首次登录 to one member (its page's button)."""
    from tenant_apps.memberships.models import Membership

    membership = Membership.objects.select_related("user", "member_type").filter(
        number=number).first()
    if membership is None:
        return _page(request, "imports/not_found.html", {}, 404)
    try:
        sent = invitations_send(acting_user=request.user, memberships=[membership])
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        if sent:
            messages.success(request, _("The invitation to log in for the first time is on "
                                        "its way."))
        else:
            messages.error(request, _("The member has no mobile number or e-mail address on "
                                      "file: nothing was sent."))
    return redirect("records:member", number=number)
