"""企业投稿 pages (docs/submissions.md), by audience:

- the member: 企业投稿 `/member/submissions/` (the association's words, 投稿上传, 投稿记录) and
  a turned-down one sent again `/member/submissions/<id>/resubmit/`;
- staff: `/manage/submissions/` (by status) and one submission `/manage/submissions/<id>/`
  (read, download, edit the title, publish, turn down with a reason);
- anyone: 会员动态 `/news/` and an article `/news/<id>/`, its document `/news/<id>/document/`.

Every page answers 404 where the association takes no submissions."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.submissions import selectors, services
from tenant_apps.submissions.models import Submission

S = Submission.Status


def _feature_on():
    settings = selectors.settings_row()
    if not settings.enabled:
        raise Http404
    return settings


def _token(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- the member -----------------------------------------------------------------------------

def _member_page(request, settings, *, error=None, title="", status=200):
    membership = getattr(request.user, "membership", None)
    return render(request, "submissions/mine.html", {
        "settings": settings, "may_submit": selectors.submits(membership, settings),
        "rows": list(selectors.submissions_of(membership)) if membership else [],
        "error": error, "title": title, "token": uuid.uuid4()}, status=status)


@login_required
def mine(request):
    """企业投稿: the association's words, the upload, and 投稿记录."""
    settings = _feature_on()
    if request.method != "POST":
        return _member_page(request, settings)
    membership = getattr(request.user, "membership", None)
    title = request.POST.get("title", "")
    try:
        services.submission_create(acting_user=request.user, membership=membership,
                                   title=title, uploaded=request.FILES.get("document"),
                                   token=_token(request.POST.get("token")))
    except AppError as exc:
        return _member_page(request, settings, error=exc, title=title, status=exc.status)
    messages.success(request, _("Your submission is sent; staff will review it."))
    return redirect("submissions:mine")


@login_required
def resubmit(request, public_id):
    settings = _feature_on()
    membership = getattr(request.user, "membership", None)
    submission = selectors.submission_of_member(membership, public_id)
    if submission is None or submission.status != S.REJECTED:
        raise Http404
    context = {"settings": settings, "s": submission, "title": submission.title}
    if request.method != "POST":
        return render(request, "submissions/resubmit.html", context)
    title = request.POST.get("title", "")
    try:
        services.submission_resubmit(acting_user=request.user, submission=submission,
                                     title=title, uploaded=request.FILES.get("document"))
    except AppError as exc:
        return render(request, "submissions/resubmit.html",
                      {**context, "title": title, "error": exc}, status=exc.status)
    messages.success(request, _("Your submission is sent again; staff will review it."))
    return redirect("submissions:mine")


# --- staff ----------------------------------------------------------------------------------

def _staff(request):
    if not selectors.may_review(request.user):
        return render(request, "records/forbidden.html", status=403)
    return None


@login_required
def review_list(request):
    from tenant_apps.records.member_page import page_number

    _feature_on()
    refused = _staff(request)
    if refused:
        return refused
    status = request.GET.get("status", S.PENDING)
    status = status if status in S.values else ""
    page = page_number(request.GET.get("page"))
    rows, total = selectors.review_list(status=status, page=page)
    return render(request, "submissions/review_list.html", {
        "rows": rows, "total": total, "status": status, "statuses": S.choices,
        "page": page, "has_next": page * selectors.PER_PAGE < total})


@login_required
def review(request, public_id):
    _feature_on()
    refused = _staff(request)
    if refused:
        return refused
    submission = selectors.submission_for_staff(request.user, public_id)
    if submission is None:
        raise Http404
    context = {"s": submission, "paragraphs": selectors.paragraphs(submission)}
    if request.method != "POST":
        return render(request, "submissions/review.html", context)
    action = request.POST.get("action")
    try:
        if action == "retitle":
            services.submission_retitle(acting_user=request.user, submission=submission,
                                        title=request.POST.get("title", ""))
            messages.success(request, _("The title is changed."))
        elif action == "publish":
            services.submission_publish(acting_user=request.user, submission=submission)
            messages.success(request, _("Published in the member news."))
        elif action == "reject":
            services.submission_reject(acting_user=request.user, submission=submission,
                                       reason=request.POST.get("reason", ""))
            messages.success(request, _("Turned down; the member sees the reason."))
        else:
            raise AppError("submission_action", _("Choose what to do."), status=400)
    except AppError as exc:
        submission.refresh_from_db()
        return render(request, "submissions/review.html",
                      {**context, "error": exc, "posted": request.POST}, status=exc.status)
    return redirect(reverse("submissions:review", args=[submission.public_id]))


# --- the public ------------------------------------------------------------------------------

def news(request):
    """会员动态: published articles, newest first."""
    from tenant_apps.records.member_page import page_number

    _feature_on()
    page = page_number(request.GET.get("page"))
    rows, total = selectors.published(page=page)
    return render(request, "submissions/news.html", {
        "rows": rows, "page": page, "has_next": page * selectors.PER_PAGE < total})


def article(request, public_id):
    _feature_on()
    submission = selectors.published_one(public_id)
    if submission is None:
        raise Http404
    return render(request, "submissions/article.html", {
        "s": submission, "paragraphs": selectors.paragraphs(submission)})


def article_document(request, public_id):
    """The published article's own document: published by staff's approval, so anyone may
    download it; never anything not published."""
    _feature_on()
    submission = selectors.published_one(public_id)
    if submission is None:
        raise Http404
    record = submission.document
    response = FileResponse(record.file.open("rb"), content_type=record.content_type,
                            as_attachment=True, filename=record.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
