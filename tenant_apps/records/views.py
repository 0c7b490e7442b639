"""我的资料 (the member's record, its tabs and contacts) and the staff's member page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.records.layout import CONTACT_DETAILS
from tenant_apps.records.selectors import (
    record_for_staff,
    record_history,
    record_of_member,
    record_shown,
)
from tenant_apps.records.services import (
    contact_add,
    contact_remove,
    contact_update,
    record_apply_changes,
    record_store_image,
)


def _labels() -> dict:
    # translated per request (the module is imported once, in whichever language)
    return {"department": _("Department"), "position": _("Position"), "mobile": _("Mobile"),
            "telephone": _("Telephone"), "email": _("Email")}


def _tab(request, shown) -> int:
    try:
        tab = int(request.GET.get("tab", 0))
    except ValueError:
        tab = 0
    return tab if 0 <= tab < len(shown["sections"]) else 0


def _page(request, record, *, status=200, error=None, form=None, tab=None, edit=None,
          template="records/profile.html"):
    shown = record_shown(record, viewer=request.user)
    current = _tab(request, shown) if tab is None else tab
    spec = shown["contacts_spec"] or {}
    return render(request, template, {
        **shown, "tab": current, "section": shown["sections"][current]
        if shown["sections"] else None,
        "history": record_history(record), "error": error, "form": form or {},
        "detail_fields": [(f, _labels()[f], f in spec.get("required", ()))
                          for f in spec.get("fields", ())],
        "edit": edit}, status=status)


@login_required
def profile(request):
    record = record_of_member(request.user)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    edit = request.GET.get("edit")
    return _page(request, record, edit=int(edit) if edit and edit.isdigit() else None)


def _contact_tab(record, request) -> int:
    shown = record_shown(record, viewer=request.user)
    return next((s["index"] for s in shown["sections"] if s["contacts"]), 0)


def _contact_data(request) -> dict:
    return {p: request.POST.get(p, "") for p in ("role", "name", *CONTACT_DETAILS)}


@login_required
@require_POST
def contact_new(request):
    record = record_of_member(request.user)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    try:
        contact_add(acting_user=request.user, record=record, data=_contact_data(request))
    except AppError as exc:
        return _page(request, record, status=exc.status, error=exc,
                     form={"new": _contact_data(request)}, tab=_contact_tab(record, request))
    messages.success(request, _("The contact is added."))
    return redirect(reverse("records:profile") + f"?tab={_contact_tab(record, request)}")


def _own_contact(request, pk: int):
    record = record_of_member(request.user)
    contact = next((c for c in record.contacts.all() if c.pk == pk), None) if record else None
    return record, contact


@login_required
@require_POST
def contact_edit(request, pk: int):
    record, contact = _own_contact(request, pk)
    if contact is None:
        return render(request, "records/no_record.html", status=404)
    try:
        contact_update(acting_user=request.user, contact=contact, data=_contact_data(request))
    except AppError as exc:
        return _page(request, record, status=exc.status, error=exc,
                     form={"edit": pk, **_contact_data(request)},
                     tab=_contact_tab(record, request))
    messages.success(request, _("The contact is saved."))
    return redirect(reverse("records:profile") + f"?tab={_contact_tab(record, request)}")


@login_required
@require_POST
def contact_delete(request, pk: int):
    record, contact = _own_contact(request, pk)
    if contact is None:
        return render(request, "records/no_record.html", status=404)
    try:
        contact_remove(acting_user=request.user, contact=contact)
    except AppError as exc:
        return _page(request, record, status=exc.status, error=exc,
                     tab=_contact_tab(record, request))
    messages.success(request, _("The contact is removed."))
    return redirect(reverse("records:profile") + f"?tab={_contact_tab(record, request)}")


@login_required
@require_POST
def profile_save(request, index: int):
    """Save the fields of one tab that the profile lets the member change."""
    from tenant_apps.applications.forms import answers_from_post

    record = record_of_member(request.user)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    shown = record_shown(record, viewer=request.user)
    if not 0 <= index < len(shown["sections"]):
        return render(request, "records/no_record.html", status=404)
    rows = [r for r in shown["sections"][index]["rows"] if r["editable"]]
    try:
        changes = {}
        for row in rows:
            if row["type"] == "image":
                upload = request.FILES.get(row["key"])
                if upload is not None:
                    changes[row["key"]] = str(record_store_image(
                        acting_user=request.user, record=record, field=row["key"],
                        uploaded=upload).public_id)
        others = [r["spec"] for r in rows if r["type"] != "image"]
        changes.update(answers_from_post(others, request, application=_Shim(record)))
        record_apply_changes(acting_user=request.user, record=record, changes=changes)
    except AppError as exc:
        return _page(request, record, status=exc.status, error=exc, tab=index, edit=index)
    messages.success(request, _("Your details are saved."))
    return redirect(reverse("records:profile") + f"?tab={index}")


class _Shim:
    """What answers_from_post reads of an application: its answers (kept images)."""

    def __init__(self, record):
        self.answers = record.values


@login_required
def member_detail(request, number: str):
    """A member's record for staff: HQ all members, branch administrators their branch's."""
    record = record_for_staff(viewer=request.user, number=number)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    return _page(request, record, template="records/member_detail.html")
