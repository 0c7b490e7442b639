"""Announcement pages (docs/announcements.md):

- readers: `/announcements/` (paged, unread marked) and `/announcements/<id>/` (opening it
  marks it read), attachments `/announcements/<id>/files/<file>/` for the same audience only;
  the public sees the public ones without logging in;
- staff (`announcements.publish`): `/manage/announcements/` and its write, preview, publish,
  withdraw and send pages.

With `announcements.enabled` off in the profile every page is 404 (staff without the
capability get 403 first: the refusal reveals nothing)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huiji import pagecache
from huiji.errors import AppError
from huiji.forms import PageForm, parsed
from huiji.pagecache import public_page
from tenant_apps.accounts.capabilities import ALL, capability_required, scope
from tenant_apps.announcements import selectors, services
from tenant_apps.announcements.forms import AnnouncementForm, PushForm
from tenant_apps.announcements.models import Announcement
from tenant_apps.announcements.state import effective_status

FORBIDDEN = "announcements/forbidden.html"
staff_required = capability_required(selectors.CAPABILITY, template=FORBIDDEN)


def feature_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.enabled(request):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _page(request) -> int:
    try:
        return parsed(PageForm, request.GET).get("page") or 1
    except AppError:
        return 1


heading = selectors.heading


# --- readers -------------------------------------------------------------------------------------

@public_page
@feature_required
def reader_list(request):
    reader = selectors.reader_of(request.user)
    found = selectors.reader_page(reader, _page(request))
    if pagecache.caching(request):  # anonymous: the list changes when the next one goes live
        pagecache.valid_until(request, selectors.next_scheduled())
    # a member reads them in the member centre, its menu beside them
    return render(request, "announcements/list_centre.html" if reader.member
                  else "announcements/list.html", {
        "found": found, "heading": heading(request), "reader": reader})


@feature_required
def reader_detail(request, public_id):
    reader = selectors.reader_of(request.user)
    announcement = selectors.readable_one(reader, public_id)
    if announcement is None:
        raise Http404
    services.announcement_mark_read(user=request.user, announcement=announcement)
    return render(request, "announcements/detail_centre.html" if reader.member
                  else "announcements/detail.html", {
                      "a": announcement, "heading": heading(request), "preview": False})


def _file_response(record):
    # always a download (the name as uploaded, its extension from the content): a file
    # attached by staff is never shown in place on the association's site
    response = FileResponse(record.file.open("rb"), content_type=record.content_type,
                            as_attachment=True,
                            filename=record.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@feature_required
def attachment(request, public_id, file_id):
    """An attachment, to whoever may read the announcement (and its staff)."""
    announcement = selectors.readable_one(selectors.reader_of(request.user), public_id) \
        or selectors.for_staff(request.user, public_id)
    if announcement is None:
        raise Http404
    for item in announcement.attachments.all():
        if item.file.public_id == file_id:
            return _file_response(item.file)
    raise Http404


# --- staff ---------------------------------------------------------------------------------------

def _staff_one(request, public_id) -> Announcement:
    announcement = selectors.for_staff(request.user, public_id)
    if announcement is None:
        raise Http404
    return announcement


def _row(a: Announcement, names: dict | None = None) -> dict:
    status = effective_status(a)
    return {"a": a, "status": status, "status_label": Announcement.Status(status).label,
            "audience": _audience_text(a, names) if names is not None else ""}


def _names() -> dict:
    choices = selectors.choices()
    return {"member_types": dict(choices["types"]),
            "ranks": {c: n for c, _t, n in choices["ranks"]},
            "branches": dict(choices["branches"])}


def _audience_text(a: Announcement, names: dict) -> str:
    """公开, or 会员 and what narrows it (单位会员 · 华东分会), by the names staff know."""
    parts = [str(a.get_audience_display())]
    for key in ("member_types", "ranks", "branches"):
        parts += [names[key].get(code, code) for code in getattr(a, key)]
    return " · ".join(parts)


@staff_required
@feature_required
def manage_list(request):
    found = selectors.staff_page(request.user, _page(request))
    names = _names()
    found.rows = [_row(a, names) for a in found.rows]
    return render(request, "announcements/manage_list.html", {
        "found": found, "heading": heading(request)})


def _initial(a: Announcement | None) -> dict:
    if a is None:
        return {"audience": Announcement.Audience.MEMBERS}
    return {"title": a.title, "body": a.body, "audience": a.audience,
            "member_types": a.member_types, "ranks": a.ranks, "branches": a.branches,
            "pinned": a.pinned,
            "publish_at": timezone.localtime(a.publish_at).strftime("%Y-%m-%dT%H:%M")
            if a.publish_at else ""}


@staff_required
@feature_required
def manage_edit(request, public_id=None):
    announcement = _staff_one(request, public_id) if public_id else None
    choices = selectors.choices()
    if scope(request.user, selectors.CAPABILITY) != ALL:
        mine = set(selectors.administered_codes(request.user))
        choices["branches"] = [b for b in choices["branches"] if b[0] in mine]
    attachments = list(announcement.attachments.all()) if announcement else []
    error, status = None, 200
    if request.method == "POST":
        form = AnnouncementForm(request.POST, choices=choices, attachments=attachments)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.announcement_save(
                    acting_user=request.user, announcement=announcement,
                    title=data["title"], body=data["body"], audience=data["audience"],
                    member_types=data["member_types"], ranks=data["ranks"],
                    branches=data["branches"], pinned=data["pinned"],
                    publish_at=data["publish_at"],
                    uploads=request.FILES.getlist("attachments"), remove=data["remove"])
            except AppError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(request, _("The announcement is saved."))
                return redirect("announcements:preview", saved.public_id)
        else:
            error, status = next(iter(form.errors.values()))[0], 400
        values = request.POST
    else:
        form = None
        values = None
    initial = _initial(announcement)
    return render(request, "announcements/edit.html", {
        "a": announcement, "row": _row(announcement) if announcement else None,
        "choices": choices, "attachments": attachments, "error": error,
        "v": _values(values, initial), "heading": heading(request)}, status=status)


def _values(post, initial: dict) -> dict:
    """What the form shows: what was posted (after an error), else the stored values."""
    if post is None:
        return initial
    return {"title": post.get("title", ""), "body": post.get("body", ""),
            "audience": post.get("audience", ""), "member_types": post.getlist("member_types"),
            "ranks": post.getlist("ranks"), "branches": post.getlist("branches"),
            "pinned": bool(post.get("pinned")), "publish_at": post.get("publish_at", "")}


@staff_required
@feature_required
def manage_preview(request, public_id):
    announcement = _staff_one(request, public_id)
    return render(request, "announcements/detail.html", {
        "a": announcement, "row": _row(announcement, _names()), "heading": heading(request),
        "preview": True})


ACTIONS = {"publish": services.announcement_publish,
           "withdraw": services.announcement_withdraw,
           "draft": services.announcement_to_draft}
DONE = {"publish": gettext_lazy("The announcement is published."),
        "withdraw": gettext_lazy("The announcement is withdrawn."),
        "draft": gettext_lazy("The announcement is a draft again.")}


@require_POST
@staff_required
@feature_required
def manage_action(request, public_id, action: str):
    announcement = _staff_one(request, public_id)
    try:
        done = ACTIONS[action](acting_user=request.user, announcement=announcement)
    except AppError as exc:
        return render(request, "announcements/detail.html", {
            "a": announcement, "row": _row(announcement), "heading": heading(request),
            "preview": True, "error": exc.message}, status=exc.status)
    if action == "publish" and done.status == Announcement.Status.SCHEDULED:
        messages.success(request, _("The announcement will show from %(time)s.") % {
            "time": timezone.localtime(done.publish_at).strftime("%Y-%m-%d %H:%M")})
    else:
        messages.success(request, DONE[action])
    return redirect("announcements:preview", announcement.public_id)


@staff_required
@feature_required
def manage_push(request, public_id):
    """推送: how many members will receive it, the ways, then 确认发送 (the bulk message job)."""
    announcement = _staff_one(request, public_id)
    count = services.push_count(request.user, announcement)
    error, status = None, 200
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            data = parsed(PushForm, request.POST)
            link = request.build_absolute_uri(
                reverse("announcements:detail", args=[announcement.public_id]))
            job = services.announcement_push(acting_user=request.user,
                                             announcement=announcement,
                                             channels=data["channels"], link=link)
        except AppError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("bulk:job", job.public_id)
    return render(request, "announcements/push.html", {
        "a": announcement, "row": _row(announcement), "count": count, "error": error,
        "chosen": request.POST.getlist("channels") if request.method == "POST"
        else ["inbox"], "heading": heading(request)}, status=status)
