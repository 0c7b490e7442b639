"""The console's page of one association and the operator's actions on it: rename, change
the short name, add a domain, invite another HQ administrator or send a new activation link,
suspend (with a reason, confirmed on a page of its own) and resume.

Every action is a POST that answers with a redirect to the page; bad input answers the page
again with the message beside its form and the HTTP status of the error (400, 404, 409),
having changed nothing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from huiji.errors import AppError
from shared_apps.console.permissions import operator_required
from tenants.association_selectors import (
    association_administrators,
    association_audit,
    association_domains,
    association_figures,
    association_profile_version,
    profile_label,
)
from tenants.models import Association
from tenants.operator_services import (
    administrator_add,
    administrator_resend,
    association_change_slug,
    association_rename,
    domain_add,
)
from tenants.services import association_set_status, association_url


def _association(slug: str) -> Association:
    associations = (Association.objects.prefetch_related("domains")
                    .exclude(schema_name=get_public_schema_name()))
    found = associations.filter(slug=slug).first()
    if found is None:
        # A short name it had before (its old host redirects): a form posted twice, or a
        # bookmark, still finds the association instead of a 404.
        found = associations.filter(domains__domain=f"{slug}.{settings.BASE_DOMAIN}",
                                    domains__redirect_to_primary=True).first()
    if found is None:
        raise Http404
    return found


def _page(request, association: Association, *, form: str = "", error: AppError | None = None,
          status: int = 200):
    return render(request, "console/association.html", {
        "target": association,
        "url": association_url(association),
        "domains": association_domains(association),
        "administrators": association_administrators(association),
        "profile_version": association_profile_version(association),
        "profile_label": profile_label(association.profile),
        "figures": association_figures(association),
        "audit": association_audit(association),
        "failed_form": form, "error": str(error.message) if error else "",
        "posted": request.POST if error else {},
    }, status=status)


def _failed(request, slug: str, form: str, exc: AppError):
    # Read again: the failed service rolled back, the page shows what is stored.
    return _page(request, _association(slug), form=form, error=exc, status=exc.status)


def _done(request, association: Association, message: str):
    messages.success(request, message)
    return redirect("console:association", slug=association.slug)


@operator_required
def association_page(request, slug):
    association = _association(slug)
    if association.slug != slug:
        return redirect("console:association", slug=association.slug, permanent=True)
    return _page(request, association)


@operator_required
@require_POST
def association_name(request, slug):
    association = _association(slug)
    try:
        association = association_rename(acting_user=request.user, association=association,
                                         name=request.POST.get("name", ""))
    except AppError as exc:
        return _failed(request, slug, "name", exc)
    return _done(request, association, _("The association is now called %(name)s.")
                 % {"name": association.name})


@operator_required
@require_POST
def association_slug(request, slug):
    association = _association(slug)
    try:
        association = association_change_slug(acting_user=request.user,
                                              association=association,
                                              slug=request.POST.get("slug", ""))
    except AppError as exc:
        return _failed(request, slug, "slug", exc)
    return _done(request, association, _("The short name is now %(slug)s; the old address "
                                         "redirects to the new one.")
                 % {"slug": association.slug})


@operator_required
@require_POST
def association_domain_add(request, slug):
    association = _association(slug)
    try:
        domain = domain_add(acting_user=request.user, association=association,
                            domain=request.POST.get("domain", ""))
    except AppError as exc:
        return _failed(request, slug, "domain", exc)
    return _done(request, association, _("Domain %(domain)s added. Point its DNS at the "
                                         "platform.") % {"domain": domain.domain})


@operator_required
@require_POST
def association_admin_add(request, slug):
    association = _association(slug)
    try:
        invitation = administrator_add(acting_user=request.user, association=association,
                                       name=request.POST.get("name", ""),
                                       phone=request.POST.get("phone", ""),
                                       email=request.POST.get("email", ""))
    except AppError as exc:
        return _failed(request, slug, "admin", exc)
    return _done(request, association, _("%(name)s is invited as HQ administrator; the "
                                         "activation link was sent.")
                 % {"name": invitation.user.name})


@operator_required
@require_POST
def association_admin_resend(request, slug, account):
    association = _association(slug)
    try:
        invitation = administrator_resend(acting_user=request.user, association=association,
                                          account=account)
    except AppError as exc:
        return _failed(request, slug, "resend", exc)
    return _done(request, association, _("A new activation link was sent to %(name)s.")
                 % {"name": invitation.user.name})


@operator_required
@require_POST
def association_suspend(request, slug):
    """The first press (without `confirm`) only asks, on a page of its own with the reason
    (no inline script may ask: the CSP forbids it); the second suspends."""
    association = _association(slug)
    reason = request.POST.get("reason", "")
    if request.POST.get("confirm") != "yes":
        return render(request, "console/suspend_confirm.html", {
            "target": association, "reason": reason})
    try:
        association_set_status(acting_user=request.user, association=association,
                               status=Association.Status.SUSPENDED, reason=reason)
    except AppError as exc:
        return render(request, "console/suspend_confirm.html", {
            "target": association, "reason": reason, "error": str(exc.message)},
            status=exc.status)
    return _done(request, association, _("%(name)s is suspended.") % {"name": association.name})


@operator_required
@require_POST
def association_resume(request, slug):
    association = _association(slug)
    association_set_status(acting_user=request.user, association=association,
                           status=Association.Status.ACTIVE)
    return _done(request, association, _("%(name)s is active again.")
                 % {"name": association.name})
