"""The roster on the site (docs/roster.md): the public 会员名录 `/roster/` (no login) and the
member's consent in the member centre `/member/roster/`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.roster import selectors
from tenant_apps.roster.models import RosterConsent
from tenant_apps.roster.services import consent_give, consent_withdraw


def _not_found(request):
    return render(request, "404.html", status=404)


def _page_link(params: dict, page: int) -> str:
    query = {k: v for k, v in (("q", params["q"]), ("type", params["type"]),
                               ("region", params["region"])) if v}
    if page > 1:
        query["page"] = page
    return "?" + urlencode(query) if query else "?"


def roster_list(request):
    """会员名录: members in force who consented, with the association's columns."""
    settings = selectors.roster_settings()
    if not settings.enabled:
        return _not_found(request)
    error = None
    try:
        result = selectors.roster_page(request.GET, settings)
    except AppError as exc:
        error = exc
        result = selectors.roster_page({}, settings)
    pages = {"previous": _page_link(result.params, result.page - 1) if result.page > 1
             else "", "next": _page_link(result.params, result.page + 1)
             if result.page < result.pages else ""}
    raw = {"q": (request.GET.get("q") or "")[:selectors.MAX_QUERY]}
    response = render(request, "roster/list.html", {
        "result": result, "error": error, "pages": pages, "raw": raw,
        "offset": (result.page - 1) * selectors.PAGE_SIZE},
        status=400 if error else 200)
    # Published by the association for people to look members up, not for search engines
    # to copy the liaisons' details.
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def consent_page(request):
    """在会员名录中公开: the member gives, changes or withdraws their consent."""
    settings = selectors.roster_settings()
    membership = getattr(request.user, "membership", None)
    if not settings.enabled or membership is None:
        return _not_found(request)
    offered = selectors.offered_fields(settings)
    consent = selectors.consent_of(request.user)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                consent_withdraw(user=request.user)
                messages.success(request, _("Your consent is withdrawn: you are no longer "
                                            "listed in the member roster."))
            else:
                consent_give(user=request.user, fields=request.POST.getlist("fields"),
                             source=RosterConsent.Source.MEMBER_CENTRE,
                             offered=[f["code"] for f in offered],
                             consent_text=settings.consent_text)
                messages.success(request, _("Saved: you are listed in the member roster."))
        except AppError as exc:
            error = exc
        else:
            return redirect("roster:consent")
    listed = membership.status in ("active", "overdue")
    return render(request, "roster/consent.html", {
        "settings": settings, "offered": offered, "listed_columns":
        selectors.listed_columns(settings), "consent": consent, "error": error,
        "in_force": listed}, status=400 if error else 200)


def joining_consent(request, *, user) -> None:
    """The optional question on the joining notices page (applications.views.notices):
    recorded when ticked, nothing otherwise (never ticked in advance)."""
    if request.POST.get("roster_publish") != "yes":
        return
    settings = selectors.roster_settings()
    if not settings.enabled:
        return
    consent_give(user=user, fields=request.POST.getlist("roster_fields"),
                 source=RosterConsent.Source.JOINING,
                 offered=[f["code"] for f in selectors.offered_fields(settings)],
                 consent_text=settings.consent_text)


def joining_context() -> dict | None:
    """What the notices page shows of the roster question; None when the roster is off."""
    settings = selectors.roster_settings()
    if not settings.enabled:
        return None
    return {"settings": settings, "offered": selectors.offered_fields(settings),
            "listed_columns": selectors.listed_columns(settings)}
