"""Referral codes on the site (docs/referrals.md): the link a code opens, 我的推荐码 and
我的推荐 in the member centre, a branch's code for its administrators, and the staff report
`/manage/referrals/`."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from huiji.errors import AppError
from tenant_apps.accounts.capabilities import can, scope
from tenant_apps.configuration.models import Branch
from tenant_apps.referrals import codes, poster, selectors


def _refused(request):
    return render(request, "404.html", status=404)


def _association(request) -> str:
    tenant = getattr(request, "tenant", None)
    return getattr(tenant, "name", "") or ""


def _apply_url(code: str) -> str:
    return reverse("applications:start") + "?" + urlencode({"ref": code})


# --- the link ------------------------------------------------------------------------------

def landing(request, code: str):
    """What a referral link or QR opens: who refers, then sign-up (or login) and the apply
    page with the referral chosen. The code travels in the session and in `next`."""
    try:
        referral = codes.resolve(code)
    except AppError as exc:
        request.session.pop(codes.SESSION_KEY, None)
        return render(request, "referrals/landing.html", {
            "error": exc.message, "lapsed": exc.code == "referrer_not_valid"},
            status=404 if exc.status == 404 else 200)
    request.session[codes.SESSION_KEY] = referral.code
    apply_url = _apply_url(referral.code)
    return render(request, "referrals/landing.html", {
        "referral": referral, "apply_url": apply_url,
        "login_url": reverse("login") + "?" + urlencode({"next": apply_url}),
        "member": getattr(request.user, "membership", None) is not None
        if request.user.is_authenticated else False})


# --- a referrer's code: the page, the QR, the card, the poster ---------------------------

def _member_referrer(request):
    membership = getattr(request.user, "membership", None)
    if membership is None or codes.member_channel(membership) is None:
        raise Http404
    return membership


def _member_context(request, membership) -> dict:
    code = codes.member_code(membership)
    problem = ""
    try:
        codes.resolve(code)
    except AppError as exc:
        problem = exc.message
    return {"code": code, "url": request.build_absolute_uri(codes.link_path(code)),
            "name": membership.user.name, "number": membership.number,
            "lines": [_("Referrer: %(name)s") % {"name": membership.user.name},
                      _("Member number: %(number)s") % {"number": membership.number}],
            "problem": problem, "membership": membership,
            "qr_url": reverse("referrals:qr"), "poster_url": reverse("referrals:poster"),
            "card_url": reverse("referrals:card")}


@login_required
def member_code_page(request):
    """我的推荐码: the QR, the link to copy, the printable card and the poster to share."""
    membership = _member_referrer(request)
    return render(request, "referrals/code_member.html", _member_context(request, membership))


@login_required
def member_card(request):
    membership = _member_referrer(request)
    return render(request, "referrals/card.html", {
        **_member_context(request, membership), "association_name": _association(request)})


@login_required
def member_qr(request):
    membership = _member_referrer(request)
    return _png(poster.qr_png(_member_context(request, membership)["url"]), "referral-qr.png")


@login_required
def member_poster(request):
    membership = _member_referrer(request)
    context = _member_context(request, membership)
    return _png(_poster(request, context), "referral-poster.png")


def _poster(request, context) -> bytes:
    association = _association(request)
    return poster.poster_png(
        association=association, lines=context["lines"],
        invitation=_("You are invited to join %(association)s") % {
            "association": association},
        hint=_("Long-press or scan the QR code to apply"), url=context["url"],
        url_note=_("Whoever opens the link applies with the referrer filled in."))


def _png(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- a branch's code (branch administrators, HQ) --------------------------------------------

def _branches_for(user) -> list[Branch]:
    """The branches whose code `user` may show: any for a role over the whole association,
    else the branches they administer; only branches a referral channel takes."""
    from tenant_apps.applications.services import referral_channels_offered

    if scope(user, "members.view") is None:
        return []
    channels = [c for c in referral_channels_offered()
                if c.kind in ("branch", "provincial")]
    if not channels:
        return []
    whole, mine = selectors.report_scope(user)
    branches = list(Branch.objects.filter(active=True).order_by("pk")) if whole else mine
    return [b for b in branches if codes.branch_channel(b, channels) is not None]


def _branch_context(request, branch: Branch) -> dict:
    code = codes.branch_code(branch)
    referral = codes.Referral(code, codes.branch_channel(branch), branch=branch)
    return {"code": code, "url": request.build_absolute_uri(codes.link_path(code)),
            "name": branch.name, "number": "", "lines": [referral.label], "problem": "",
            "branch": branch,
            "qr_url": reverse("referrals:branch-qr", args=[branch.code]),
            "poster_url": reverse("referrals:branch-poster", args=[branch.code]),
            "card_url": reverse("referrals:branch-card", args=[branch.code])}


def _branch(request, code: str | None):
    branches = _branches_for(request.user)
    if not branches:
        raise Http404
    branch = next((b for b in branches if b.code == code), None) if code else branches[0]
    if branch is None or not can(request.user, "members.view", branch):
        raise Http404
    return branch, branches


@login_required
def branch_code_page(request):
    """生成推荐码 on the member list: the branch's code (the first of theirs, or ?branch=)."""
    if not _branches_for(request.user):
        return _refused(request)
    try:
        branch, branches = _branch(request, request.GET.get("branch"))
    except Http404:
        return _refused(request)
    return render(request, "referrals/code_staff.html", {
        **_branch_context(request, branch), "branches": branches, "staff": True})


@login_required
def branch_card(request, branch: str):
    found, _branches = _branch(request, branch)
    return render(request, "referrals/card.html", {
        **_branch_context(request, found), "association_name": _association(request)})


@login_required
def branch_qr(request, branch: str):
    found, _branches = _branch(request, branch)
    return _png(poster.qr_png(_branch_context(request, found)["url"]), "referral-qr.png")


@login_required
def branch_poster(request, branch: str):
    found, _branches = _branch(request, branch)
    return _png(_poster(request, _branch_context(request, found)), "referral-poster.png")


# --- 我的推荐 --------------------------------------------------------------------------------

@login_required
def mine(request):
    membership = getattr(request.user, "membership", None)
    if membership is None:
        return redirect("members:home")
    return render(request, "referrals/mine.html", {
        **selectors.referred_by(membership),
        "has_code": codes.member_channel(membership) is not None})


# --- the report ------------------------------------------------------------------------------

def _range(params) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    raw_from, raw_to = params.get("from", "").strip(), params.get("to", "").strip()
    try:
        date_from = parse_date(raw_from) if raw_from else dt.date(today.year, 1, 1)
        date_to = parse_date(raw_to) if raw_to else today
    except ValueError:
        date_from = date_to = None
    if date_from is None or date_to is None:
        raise AppError("bad_date", _("Enter dates as YYYY-MM-DD."), field="from")
    if date_from > date_to:
        raise AppError("bad_range", _("The start date is after the end date."), field="from")
    return date_from, date_to


@login_required
def report(request):
    """推荐统计: referrals by branch and by member in a date range, as a page or Excel."""
    if scope(request.user, "members.view") is None:
        return _refused(request)
    try:
        date_from, date_to = _range(request.GET)
    except AppError as exc:
        return render(request, "referrals/report.html", {
            "error": exc.message, "raw": request.GET}, status=400)
    result = selectors.referral_report(request.user, date_from, date_to)
    if request.GET.get("format") == "xlsx":
        return _report_xlsx(result, date_from, date_to)
    query = urlencode({"from": date_from.isoformat(), "to": date_to.isoformat(),
                       "format": "xlsx"})
    return render(request, "referrals/report.html", {
        **result, "date_from": date_from, "date_to": date_to, "xlsx_query": query,
        "can_code": bool(_branches_for(request.user))})


def _report_xlsx(result, date_from, date_to) -> HttpResponse:
    from tenant_apps.bulk.xlsx import SheetWriter

    out = io.BytesIO()
    with SheetWriter(out, _("Referrals")) as sheet:
        sheet.header([_("Referred by"), _("Name"), _("Member number"), _("Branch"),
                      pgettext("referral report", "Applications"), _("Members joined"),
                      _("By referral code")])
        for row in result["branches"]:
            sheet.row([_("Branch"), row["referral_branch__name"], "", "",
                       row["applications"], row["joined"], row["by_code"]])
        for row in result["members"]:
            sheet.row([_("Member"), row["referrer__user__name"], row["referrer__number"],
                       row["referrer__record__branch__name"] or "", row["applications"],
                       row["joined"], row["by_code"]])
    response = HttpResponse(out.getvalue(), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    name = f"referrals-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
