"""Bulk actions on the member list's filters or a selection (docs/bulk.md):
`/manage/members/export/`, `/manage/members/message/`, `/manage/members/branch/`, each
taking the list's query string; a job's page `/manage/members/jobs/<id>/` with its progress
(`.../progress/`, JSON, polled by static/bulk/bulk.js) and, for an export, its file
(`.../download/`, only for the person who asked, until it expires)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.errors import AppError
from huiji.forms import parsed
from tenant_apps.accounts.capabilities import can
from tenant_apps.bulk import columns as catalogue
from tenant_apps.bulk import selectors, services
from tenant_apps.bulk.forms import BranchForm, MessageForm
from tenant_apps.bulk.models import BulkJob


def _scope(request):
    """(params, members in scope) of the request: GET's query string, or the `filters`
    field a form posts back. 404 for staff who may not see member records."""
    if not request.user.is_authenticated:
        return None, None
    source = QueryDict(request.POST.get("filters", "")) if request.method == "POST" \
        else request.GET
    params = selectors.params_from(source)
    members = selectors.bulk_members(request.user, params)
    if members is None:
        raise Http404
    return params, members


def _context(params, members, **extra):
    return {"params": params, "filters": selectors.query_of(params),
            "count": members.count(), "selection": bool(params.get(selectors.SELECTION)),
            "numbers": params.get(selectors.SELECTION, [])[:20], **extra}


@login_required
def export(request):
    from tenant_apps.records.services import _revision_document

    params, members = _scope(request)
    columns = catalogue.catalogue(_revision_document())
    picked = request.POST.getlist("columns") if request.method == "POST" \
        else list(catalogue.DEFAULT)
    if request.method == "POST":
        try:
            job = services.export_start(acting_user=request.user, params=params,
                                        columns=picked)
        except AppError as exc:
            return render(request, "bulk/export.html", _context(
                params, members, columns=columns, picked=picked, error=exc), status=exc.status)
        return redirect("bulk:job", public_id=job.public_id)
    return render(request, "bulk/export.html", _context(params, members, columns=columns,
                                                        picked=picked))


@login_required
def message(request):
    """Compose (GET), check and show the count for confirmation (POST), send (POST with
    confirm=yes). From the list with its filters, or from a member's page with
    ?number=<number>."""
    from huiji.tenancy.current import current_association
    from tenant_apps.records.services import _revision_document

    params, members = _scope(request)
    ctx = _context(params, members, channels=["inbox"], subject="", body="",
                   placeholders=["{" + p + "}" for p in services.PLACEHOLDERS])
    if request.method != "POST":
        return render(request, "bulk/message.html", ctx)
    ctx.update(channels=request.POST.getlist("channels"),
               subject=request.POST.get("subject", ""), body=request.POST.get("body", ""))
    try:
        data = parsed(MessageForm, request.POST)
        for key in ("subject", "body"):
            services.placeholders_checked(data[key], key)
        if {"email", "inbox"} & set(data["channels"]) and not data["subject"]:
            raise AppError("invalid_input", _("An e-mail or in-site message needs a title."),
                           field="subject")
        if not ctx["count"]:
            raise AppError("invalid_input", _("No member matches: nobody would receive it."))
        if request.POST.get("confirm") != "yes":
            first = members.select_related("membership__member_type", "membership__user") \
                .order_by("membership__number").first()
            values = services.message_values(first, _revision_document(),
                                             current_association())
            return render(request, "bulk/message_confirm.html", {
                **ctx, "preview_subject": services.fill(data["subject"], values),
                "preview_body": services.fill(data["body"], values),
                "channel_labels": _channel_labels(data["channels"])})
        job = services.send_staff_message(acting_user=request.user, params=params,
                                          channels=data["channels"], subject=data["subject"],
                                          body=data["body"])
    except AppError as exc:
        return render(request, "bulk/message.html", {**ctx, "error": exc}, status=exc.status)
    return redirect("bulk:job", public_id=job.public_id)


def _channel_labels(channels):
    from tenant_apps.configuration.models import MessageChannel

    labels = dict(MessageChannel.choices)
    return [str(labels[c]) for c in channels if c in labels]


@login_required
def branch(request):
    from tenant_apps.configuration.models import Branch

    params, members = _scope(request)
    if not can(request.user, "members.manage"):
        return render(request, "records/forbidden.html", status=403)
    branches = list(Branch.objects.filter(active=True))
    ctx = _context(params, members, branches=branches,
                   chosen=request.POST.get("branch", ""), reason=request.POST.get("reason", ""))
    if request.method == "POST":
        try:
            data = parsed(BranchForm, request.POST)
            target = next((b for b in branches if b.code == data["branch"]), None)
            if target is None:
                raise AppError("invalid_input", _("Choose a branch."), field="branch")
            job = services.branch_assign(acting_user=request.user, params=params,
                                         branch=target, reason=data["reason"])
        except AppError as exc:
            return render(request, "bulk/branch.html", {**ctx, "error": exc},
                          status=exc.status)
        return redirect("bulk:job", public_id=job.public_id)
    return render(request, "bulk/branch.html", ctx)


def _job(request, public_id) -> BulkJob:
    job = selectors.job_for(request.user, public_id)
    if job is None:
        raise Http404
    return job


def _progress(job: BulkJob) -> dict:
    from django.urls import reverse

    ready = job.kind == BulkJob.Kind.EXPORT and job.status == BulkJob.Status.DONE \
        and bool(job.file) and not _expired(job)
    return {"status": job.status, "status_label": str(job.get_status_display()),
            "total": job.total, "done": job.done, "written": job.written,
            "percent": job.percent,
            "download": reverse("bulk:download", args=[job.public_id]) if ready else None}


def _expired(job: BulkJob) -> bool:
    return job.expires_at is not None and job.expires_at < timezone.now()


@login_required
def job_page(request, public_id):
    job = _job(request, public_id)
    return render(request, "bulk/job.html", {"job": job, "progress": _progress(job),
                                             "expired": _expired(job),
                                             "list": "/manage/members/?" + selectors.query_of(
                                                 {k: v for k, v in job.params.items()
                                                  if k != selectors.SELECTION})})


@login_required
def job_progress(request, public_id):
    return JsonResponse(_progress(_job(request, public_id)))


@login_required
def download(request, public_id):
    from tenant_apps.bulk.services import export_filename

    job = _job(request, public_id)
    if job.kind != BulkJob.Kind.EXPORT or not job.file or _expired(job):
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True,
                        filename=export_filename(job),
                        content_type="application/vnd.openxmlformats-officedocument"
                                     ".spreadsheetml.sheet")
