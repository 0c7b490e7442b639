"""The staff page of an association (HQ administrators): the staff with their roles and
branches, invitations, appointments, deactivation. Every change is a service of
tenant_apps/accounts/services.py; these views choose forms and templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.accounts import capabilities, selectors
from tenant_apps.accounts.capabilities import capability_required
from tenant_apps.accounts.forms import StaffInviteForm, StaffRolesForm, has_branches
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import (
    staff_activation_resend,
    staff_invite,
    staff_set_active,
    staff_update,
)

staff_required = capability_required("staff.manage", template="accounts/staff/forbidden.html")


def _staff_roles(branches: bool) -> list[str]:
    """The roles the page names: no branch role where there is no branch (Jiangsu)."""
    if branches:
        return list(capabilities.STAFF_ROLES)
    return [r for r in capabilities.STAFF_ROLES if r != Role.BRANCH_ADMIN]


def _row(user) -> dict:
    return {"user": user, "status": selectors.staff_status(user),
            "roles": [Role(r).label for r in capabilities.STAFF_ROLES if r in user.roles],
            "branches": list(user.administered_branches.all())}


def _role_table(roles: list[str]) -> list[dict]:
    """The capability table as the page shows it: one row per capability, one column per
    staff role, each cell the scope (or nothing)."""
    return [{"label": label, "cells": [{"role": Role(role).label, "scope": table.get(role)}
                                       for role in roles]}
            for label, table in capabilities.CAPABILITIES.values()]


def _fail(form, exc: AppError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@staff_required
def staff(request):
    branches = has_branches()
    roles = _staff_roles(branches)
    return render(request, "accounts/staff/list.html", {
        "rows": [_row(u) for u in selectors.staff_list(viewer=request.user)],
        "role_names": [Role(r).label for r in roles],
        "role_table": _role_table(roles), "has_branches": branches})


@staff_required
def invite(request):
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = staff_invite(
                acting_user=request.user, name=data["name"], phone=data["phone"] or None,
                email=data["email"] or None, roles=data["roles"],
                branches=data.get("branches") or [])
        except AppError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("%(name)s is invited: the one-time activation link "
                                        "is on its way to %(to)s.") % {
                "name": invitation.user.name,
                "to": " / ".join(a for a in (invitation.user.phone, invitation.user.email)
                                 if a)})
            return redirect("staff")
    return render(request, "accounts/staff/invite.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _member(request, public_id):
    user = selectors.staff_member(viewer=request.user, public_id=public_id)
    if user is None:
        raise Http404
    return user


@staff_required
def detail(request, public_id):
    user = _member(request, public_id)
    initial = {"roles": [r for r in user.roles if r in capabilities.STAFF_ROLES],
               "branches": list(user.administered_branches.all())}
    form = StaffRolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            staff_update(acting_user=request.user, user=user, roles=form.cleaned_data["roles"],
                         branches=form.cleaned_data.get("branches") or [])
        except AppError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff")
    return render(request, "accounts/staff/detail.html", {"row": _row(user), "form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@staff_required
def set_active(request, public_id, active: bool):
    user = _member(request, public_id)
    try:
        staff_set_active(acting_user=request.user, user=user, active=active)
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s can log in again.") % {"name": user.name}
                         if active else _("%(name)s is deactivated and logged out.")
                         % {"name": user.name})
    return redirect("staff-detail", public_id=user.public_id)


@require_POST
@staff_required
def resend(request, public_id):
    user = _member(request, public_id)
    try:
        staff_activation_resend(acting_user=request.user, user=user)
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A new activation link is on its way."))
    return redirect("staff-detail", public_id=user.public_id)
