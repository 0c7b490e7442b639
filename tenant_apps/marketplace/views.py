"""Marketplace pages (docs/marketplace.md):

- members: 供需对接 `/market/` (supplies and demands) and 产品对接 `/market/products/`,
  searched by category, region and keyword and paged; a post `/market/<id>/` with its
  pictures, the contact details where the poster agreed, 联系发布者; 我的发布
  `/market/mine/`, posting, editing, renewing and withdrawing;
- staff: the moderation queue `/manage/market/` and a post's review with approve / reject.

Everything answers 404 where the association's profile has the marketplace off."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from huiji.forms import PageForm, parsed
from tenant_apps.accounts.capabilities import can
from tenant_apps.marketplace import selectors, services
from tenant_apps.marketplace.config import KINDS, SUPPLY_DEMAND, market_settings
from tenant_apps.marketplace.forms import (
    ContactForm,
    FilterForm,
    PostForm,
    RejectForm,
    RenewForm,
    new_token,
)
from tenant_apps.marketplace.models import Post
from tenant_apps.marketplace.state import allowed

GROUPS = {"sd": SUPPLY_DEMAND, "product": ("product",)}


def _settings(request, kinds=KINDS):
    found = market_settings(request)
    if not found.offers(kinds):
        raise Http404
    return found


def _member_or_moderator(request) -> None:
    if not (services.may_post(request.user) or can(request.user, "market.moderate")):
        raise Http404


def _group_of(kind: str) -> str:
    return "product" if kind == "product" else "sd"


# --- browsing ------------------------------------------------------------------------------------

@login_required
def browse(request, group: str):
    kinds = GROUPS[group]
    settings = _settings(request, kinds)
    _member_or_moderator(request)
    kinds = tuple(k for k in kinds if k in settings.kinds)
    form = FilterForm(request.GET, settings=settings, kinds=kinds)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.Filters(kinds=(data["kind"],) if data["kind"] else kinds,
                                    category=data["category"], region=data["region"],
                                    keyword=data["q"].strip())
        page = data["page"] or 1
        rows, has_next = selectors.published(filters, page=page)
        error = ""
    else:
        data, rows, has_next, page, status = {}, [], False, 1, 400
        error = next(iter(form.errors.values()))[0]
    query = {k: v for k, v in (data or {}).items() if k != "page" and v}
    return render(request, "marketplace/browse.html", {
        "group": group, "settings": settings, "form": form, "rows": _cards(rows, settings),
        "error": error, "page": page, "has_next": has_next,
        "prev_query": urlencode({**query, "page": page - 1}),
        "next_query": urlencode({**query, "page": page + 1}),
        "filtered": bool(query), "may_post": services.may_post(request.user),
    }, status=status)


def _cards(rows: list[Post], settings) -> list[dict]:
    return [{"post": p, "category": settings.category_name(p.category),
             "region": settings.region_name(p.region),
             "cover": p.pictures[0] if getattr(p, "pictures", None) else None}
            for p in rows]


def _detail_context(request, post: Post, settings, **extra) -> dict:
    mine = post.author_id == request.user.pk
    may_post = services.may_post(request.user)
    return {"post": post, "settings": settings, "group": _group_of(post.kind),
            "may_post": may_post,  # a moderator without a membership has no 我的发布
            "category": settings.category_name(post.category),
            "region": settings.region_name(post.region),
            "contact_shown": selectors.contact_shown(post, request.user), "mine": mine,
            "may_contact": not mine and may_post
            and post.shown_status == Post.Status.PUBLISHED,
            "contact_form": extra.pop("contact_form", None) or ContactForm(
                initial={"token": new_token()}), **extra}


@login_required
def detail(request, public_id):
    settings = _settings(request)
    post = selectors.post_for_viewer(request.user, public_id)
    if post is None:
        raise Http404
    return render(request, "marketplace/detail.html", _detail_context(request, post, settings))


@login_required
@require_POST
def contact(request, public_id):
    settings = _settings(request)
    post = selectors.post_for_viewer(request.user, public_id)
    if post is None:
        raise Http404
    form = ContactForm(request.POST)
    try:
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise AppError("invalid_input", errors[0], field=field)
        services.post_contact(acting_user=request.user, post=post,
                              message=form.cleaned_data["message"],
                              token=form.cleaned_data["token"])
    except AppError as exc:
        return render(request, "marketplace/detail.html", _detail_context(
            request, post, settings, contact_form=form, contact_error=exc.message),
            status=exc.status)
    messages.success(request, _("Your message has been sent to the poster."))
    return redirect("marketplace:detail", public_id=post.public_id)


@login_required
def image(request, public_id, file_id):
    """A post's picture, to whoever may open the post (never a public file URL)."""
    _settings(request)
    post = selectors.post_for_viewer(request.user, public_id)
    picture = next((p for p in post.pictures if p.file.public_id == file_id), None) \
        if post else None
    if picture is None:
        raise Http404
    response = FileResponse(picture.file.file.open("rb"), content_type=picture.file.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the poster ----------------------------------------------------------------------------------

def _poster(request):
    settings = _settings(request)
    if not services.may_post(request.user):
        raise Http404
    return settings


@login_required
def mine(request):
    settings = _poster(request)
    rows = selectors.posts_of(request.user)
    return render(request, "marketplace/mine.html", {
        "settings": settings, "group": "mine",
        "rows": [{**card, "renewable": allowed(card["post"], "renew"),
                  "withdrawable": allowed(card["post"], "withdraw"),
                  "editable": allowed(card["post"], "edit")}
                 for card in _cards(rows, settings)],
        "renew_max": (timezone.localdate() + dt.timedelta(days=settings.max_valid_days))
        .isoformat()})


def _form_page(request, settings, form, *, post=None, error=None, status=200):
    last = timezone.localdate() + dt.timedelta(days=settings.max_valid_days)
    form.fields["valid_until"].widget.attrs.update(
        {"min": timezone.localdate().isoformat(), "max": last.isoformat()})
    return render(request, "marketplace/form.html", {
        "settings": settings, "form": form, "post": post, "error": error,
        "group": "mine", "max_images": settings.max_images,
        "images_left": settings.max_images - (len(post.pictures) if post else 0)},
        status=status)


def _submitted(request, form):
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise AppError("invalid_input", errors[0], field=field)
    return form.cleaned_data


@login_required
def new(request):
    settings = _poster(request)
    kinds = tuple(settings.kinds)
    if request.method != "POST":
        kind = request.GET.get("kind")
        form = PostForm(settings=settings, kinds=kinds, initial={
            "token": new_token(), "kind": kind if kind in kinds else kinds[0],
            "contact_name": request.user.name, "contact_phone": request.user.phone,
            "contact_email": request.user.email,
            "valid_until": timezone.localdate() + dt.timedelta(
                days=min(90, settings.max_valid_days))})
        return _form_page(request, settings, form)
    form = PostForm(request.POST, settings=settings, kinds=kinds)
    try:
        data = _submitted(request, form)
        post = services.post_create(acting_user=request.user, data=data,
                                    images=request.FILES.getlist("images"),
                                    token=data["token"])
    except AppError as exc:
        return _form_page(request, settings, form, error=exc, status=exc.status)
    messages.success(request, _("Your post “%(title)s” has been submitted; it is shown to "
                                "members once the association's staff have approved it.")
                     % {"title": post.title})
    return redirect("marketplace:mine")


def _own(request, public_id) -> Post:
    post = selectors.own_post(request.user, public_id)
    if post is None:
        raise Http404
    return post


@login_required
def edit(request, public_id):
    settings = _poster(request)
    post = _own(request, public_id)
    if not allowed(post, "edit"):
        raise Http404
    kinds = tuple(settings.kinds)
    if request.method != "POST":
        form = PostForm(settings=settings, kinds=kinds, initial={
            **{k: getattr(post, k) for k in services.FIELDS}, "token": post.token})
        return _form_page(request, settings, form, post=post)
    form = PostForm(request.POST, settings=settings, kinds=kinds)
    try:
        data = _submitted(request, form)
        services.post_update(acting_user=request.user, post=post, data=data,
                             images=request.FILES.getlist("images"),
                             remove=request.POST.getlist("remove"))
    except AppError as exc:
        return _form_page(request, settings, form, post=post, error=exc, status=exc.status)
    messages.success(request, _("Your changes have been submitted; the post is shown again "
                                "once the association's staff have approved them."))
    return redirect("marketplace:mine")


@login_required
@require_POST
def renew(request, public_id):
    _poster(request)
    post = _own(request, public_id)
    form = RenewForm(request.POST)
    try:
        if not form.is_valid():
            raise AppError("valid_until", _("Enter the new valid-until day."),
                           field="valid_until")
        services.post_renew(acting_user=request.user, post=post,
                            valid_until=form.cleaned_data["valid_until"])
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("marketplace:mine")
    messages.success(request, _("“%(title)s” is shown until %(day)s.")
                     % {"title": post.title, "day": form.cleaned_data["valid_until"]})
    return redirect("marketplace:mine")


@login_required
def withdraw(request, public_id):
    """撤回: a page of its own whose form posts confirm=yes (works without script)."""
    settings = _poster(request)
    post = _own(request, public_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.post_withdraw(acting_user=request.user, post=post)
        except AppError as exc:
            messages.error(request, exc.message)
            return redirect("marketplace:mine")
        messages.success(request, _("“%(title)s” has been withdrawn.") % {"title": post.title})
        return redirect("marketplace:mine")
    if not allowed(post, "withdraw"):
        raise Http404
    return render(request, "marketplace/withdraw.html", {"post": post, "settings": settings,
                                                         "group": "mine"})


# --- staff ---------------------------------------------------------------------------------------

def _moderator(request):
    settings = _settings(request)
    if not can(request.user, "market.moderate"):
        return None
    return settings


@login_required
def queue(request):
    settings = _moderator(request)
    if settings is None:
        return render(request, "404.html", status=403)
    status = request.GET.get("status") or Post.Status.PENDING
    stored = [s for s in Post.Status if s != Post.Status.EXPIRED]
    if status not in stored:
        status = Post.Status.PENDING
    try:
        page = parsed(PageForm, request.GET)["page"] or 1
    except AppError as exc:
        return render(request, "marketplace/queue.html", {
            "error": exc.message, "rows": [], "status": status, "page": 1,
            "statuses": [(s.value, s.label) for s in stored]}, status=400)
    rows, has_next, waiting = selectors.queue(status, page=page)
    return render(request, "marketplace/queue.html", {
        "rows": _cards(rows, settings), "status": status, "has_next": has_next,
        "page": page, "waiting": waiting,
        "statuses": [(s.value, s.label) for s in stored]})


@login_required
def review(request, public_id):
    settings = _moderator(request)
    if settings is None:
        return render(request, "404.html", status=403)
    post = selectors.post_for_viewer(request.user, public_id)
    if post is None:
        raise Http404
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.post_approve(acting_user=request.user, post=post)
                messages.success(request, _("“%(title)s” is published.") % {"title": post.title})
            elif action == "reject":
                form = RejectForm(request.POST)
                reason = form.cleaned_data["reason"] if form.is_valid() else ""
                services.post_reject(acting_user=request.user, post=post, reason=reason)
                messages.success(request, _("“%(title)s” is not approved; the poster reads "
                                            "your reason.") % {"title": post.title})
            else:
                raise AppError("action", _("Choose approve or reject."))
            return redirect("marketplace:queue")
        except AppError as exc:
            error = exc
    return render(request, "marketplace/review.html", {
        **_detail_context(request, post, settings), "error": error,
        "pending": post.status == Post.Status.PENDING},
        status=error.status if error else 200)
