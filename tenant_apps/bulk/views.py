"""Bulk actions on the member list's filters or a selection (docs/bulk.md):
`/manage/members/export/`, `/manage/members/message/`, `/manage/members/branch/`,
`/manage/members/certificates/` (下载证书), each taking the list's query string; a job's
page `/manage/members/jobs/<id>/` with its progress (`.../progress/`, JSON, polled by
static/bulk/bulk.js) and, for an export or certificates, its file (`.../download/`, only for
the person who asked, until it expires)."""

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


class BadFilter(Exception):
    def __init__(self, error: AppError):
        self.error = error


def _scope(request):
    """(params, members in scope) of the request: GET's query string; the `filters` field
    our own forms post back; or the member list's selection form (checkboxes `membership`
    posted with the list's `query`), shown as a page to act on. 404 for staff who may not
    see member records; a filter that does not parse, BadFilter (400)."""
    if request.method == "POST" and "filters" in request.POST:
        source = QueryDict(request.POST.get("filters", ""))
    elif request.method == "POST":
        source = request.POST
    else:
        source = request.GET
    params = selectors.params_from(source)
    if request.method == "POST" and "filters" not in request.POST \
            and not params.get("membership"):
        # The list's "members ticked" with nothing ticked: nobody, never everyone.
        from tenant_apps.records.models import MemberRecord

        if selectors.scope(request.user, selectors.CAPABILITY) is None:
            raise Http404
        return {"membership": []}, MemberRecord.objects.none()
    try:
        members = selectors.bulk_members(request.user, params)
    except AppError as exc:
        raise BadFilter(exc) from exc
    if members is None:
        raise Http404
    return params, members


def _acting(request) -> bool:
    """Whether this request submits one of our forms (not the list's selection)."""
    return request.method == "POST" and "filters" in request.POST


def _bad_filter(view):
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadFilter as bad:
            return render(request, "bulk/bad_filter.html", {"error": bad.error},
                          status=bad.error.status)

    return wrapper


def _context(params, members, **extra):
    selection = selectors.selection_of(params)
    return {"params": params, "filters": selectors.query_of(params),
            "list_query": selectors.query_of({k: v for k, v in params.items()
                                              if k not in selectors.SELECTIONS}),
            "count": members.count(), "selection": selection is not None,
            "numbers": params.get("number", [])[:20], **extra}


@login_required
@_bad_filter
def export(request):
    from tenant_apps.records.services import _revision_document

    params, members = _scope(request)
    document = _revision_document()
    columns = catalogue.catalogue(document)
    picked = request.POST.getlist("columns") if _acting(request) else list(catalogue.DEFAULT)
    may_full = can(request.user, "members.manage")
    if _acting(request):
        full = bool(request.POST.get("full_personal_data"))
        if request.POST.get("preset") == "reimport":
            # 全部列（可再导入）: every column the member import reads, unmasked
            picked, full = catalogue.everything(document), may_full
        try:
            job = services.export_start(acting_user=request.user, params=params,
                                        columns=picked, full_personal_data=full)
        except AppError as exc:
            return render(request, "bulk/export.html", _context(
                params, members, columns=columns, picked=picked, error=exc,
                may_full=may_full), status=exc.status)
        return redirect("bulk:job", public_id=job.public_id)
    return render(request, "bulk/export.html", _context(params, members, columns=columns,
                                                        picked=picked, may_full=may_full))


@login_required
@_bad_filter
def message(request):
    """Compose (GET), check and show the count for confirmation (POST), send (POST with
    confirm=yes). From the list with its filters, or from a member's page with
    ?number=<number>."""
    from huiji.tenancy.current import current_association
    from tenant_apps.records.services import _revision_document

    params, members = _scope(request)
    ctx = _context(params, members, channels=["inbox"], subject="", body="",
                   placeholders=[{"code": "{" + p + "}",
                                  "label": services.PLACEHOLDER_LABELS[p]}
                                 for p in services.PLACEHOLDERS])
    if not _acting(request):
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
@_bad_filter
def branch(request):
    from tenant_apps.configuration.models import Branch

    params, members = _scope(request)
    if not can(request.user, "members.manage"):
        return render(request, "records/forbidden.html", status=403)
    branches = list(Branch.objects.filter(active=True))
    ctx = _context(params, members, branches=branches,
                   chosen=request.POST.get("branch", ""), reason=request.POST.get("reason", ""))
    if _acting(request):
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


@login_required
@_bad_filter
def certificates(request):
    """下载证书: the certificates in force of the list's members (or those ticked), as one ZIP
    of a PDF each or one PDF to print; for staff who manage certificates."""
    if not can(request.user, "certificates.manage"):
        return render(request, "records/forbidden.html", status=403)
    params, members = _scope(request)
    fmt = request.POST.get("format", "zip") if _acting(request) else "zip"
    if _acting(request):
        try:
            job = services.certificates_download_start(acting_user=request.user,
                                                       params=params, fmt=fmt)
        except AppError as exc:
            return render(request, "bulk/certificates.html", _context(
                params, members, fmt=fmt, error=exc), status=exc.status)
        return redirect("bulk:job", public_id=job.public_id)
    return render(request, "bulk/certificates.html", _context(params, members, fmt=fmt))


def _job(request, public_id) -> BulkJob:
    job = selectors.job_for(request.user, public_id)
    if job is None:
        raise Http404
    return job


def _progress(job: BulkJob) -> dict:
    from django.urls import reverse

    ready = job.kind in services.FILE_KINDS and job.status == BulkJob.Status.DONE \
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
                                                  if k not in selectors.SELECTIONS})})


@login_required
def job_progress(request, public_id):
    return JsonResponse(_progress(_job(request, public_id)))


@login_required
def download(request, public_id):
    job = _job(request, public_id)
    if job.kind not in services.FILE_KINDS or not job.file or _expired(job):
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True,
                        filename=services.export_filename(job),
                        content_type=services.export_content_type(job))
