"""我的资料 (the member's record, its tabs and contacts) and the staff's member page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.accounts.capabilities import can, can_for_member
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
          template="records/profile.html", staff_page=False, edit_rows=None, reason="",
          revealed=None, **extra):
    shown = record_shown(record, viewer=request.user)
    if revealed:
        _show_revealed(shown, revealed)
    if staff_page:
        from tenant_apps.records.member_views import _scoped, member_actions

        extra = {**member_actions(request.user, _scoped(record)), "show": "record", **extra}
    current = _tab(request, shown) if tab is None else tab
    spec = shown["contacts_spec"] or {}
    section = shown["sections"][current] if shown["sections"] else None
    own_edit = bool(section and not staff_page and shown["own"] and edit == current)
    if own_edit and edit_rows is None:
        edit_rows = [r["form"] for r in section["rows"] if r["editable"]]
    may_manage = staff_page and can(request.user, "members.manage")
    ask_staff = not staff_page and shown["own"] and (
        shown["staff_only"] or (spec and spec.get("managed_by") == "staff"))
    return render(request, template, {
        # whom a member asks to change what only staff change (CACEM: 联络协会管理员)
        "contact_notice": _contact_notice() if ask_staff else None,
        **shown, "tab": current, "section": section,
        "history": record_history(record, document=shown["document"]), "error": error,
        "form": form or {},
        "detail_fields": [(f, _labels()[f], f in spec.get("required", ()))
                          for f in spec.get("fields", ())],
        "edit": edit, "edit_rows": edit_rows if edit == current else None,
        "staff_page": staff_page, "may_manage": may_manage,
        # the staff's edit of a tab and their contact forms (members.manage); the member's own
        # edit and contact forms are the profile's
        "edit_action": (reverse("records:staff-edit", args=[record.membership.number, current])
                        if staff_page else reverse("records:save", args=[current])),
        "contacts_editable": bool(spec) and (may_manage if staff_page else
                                             shown["own"] and shown["contacts_manageable"]),
        "reason": reason, "region_data": _region_data(edit_rows if edit == current else None),
        # a refused field's message is shown beside it; any other refusal above the form
        "error_inline": bool(error is not None and edit_rows and edit == current and (
            getattr(error, "field", None) in {r["spec"]["key"] for r in edit_rows}
            or (staff_page and getattr(error, "field", None) == "reason"))), **extra},
        status=status)


def _show_revealed(shown: dict, revealed: dict) -> None:
    """Put values just revealed (records.services.member_data_reveal) in place of their
    masks: {field key or "contact:<id>:<mobile|telephone>": value}."""
    for section in shown["sections"]:
        for row in section["rows"]:
            if row["masked"] and row["key"] in revealed:
                row["display"], row["masked"], row["revealed"] = revealed[row["key"]], False, True
    for contact in shown["contacts"]:
        for field in ("mobile", "telephone"):
            key = f"contact:{contact['id']}:{field}"
            if key in revealed:
                contact[field] = revealed[key]
                contact["masked"] = contact["masked"] - {field}


def _contact_notice():
    from tenant_apps.configuration.selectors import current_notices

    return current_notices().get("contact")


def _region_data(rows) -> str:
    """The provinces' cities, for the city selects of region fields being edited (the
    wizard's script fills them from this)."""
    from tenant_apps.applications.forms import region_data

    return region_data([r["spec"] for r in rows]) if rows else ""


@login_required
def profile(request):
    record = record_of_member(request.user)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    edit = request.GET.get("edit")
    return _page(request, record, edit=int(edit) if edit and edit.isdigit() else None)


@login_required
def contacts_page(request):
    """联系人管理 from the menu: 我的资料 opened on its contacts tab."""
    record = record_of_member(request.user)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    return redirect(reverse("records:profile") + f"?tab={_contact_tab(record, request)}")


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
        return _page(request, record, status=exc.status, error=exc, tab=index, edit=index,
                     edit_rows=_typed_rows([r["spec"] for r in rows], record, request, exc))
    messages.success(request, _("Your details are saved."))
    return redirect(reverse("records:profile") + f"?tab={index}")


class _Shim:
    """What answers_from_post reads of an application: its answers (kept images)."""

    def __init__(self, record):
        self.answers = record.values


def _typed_rows(specs: list[dict], record, request, exc: AppError | None = None) -> list:
    """The inputs of `specs` (the wizard's own field rendering) holding what was typed, the
    refused field's translated message beside it; images keep the stored one."""
    from tenant_apps.applications.forms import answers_from_post
    from tenant_apps.records.selectors import edit_rows

    values = dict(record.values or {})
    if request.method == "POST":
        typed = [s for s in specs if s["type"] != "image"]
        values.update(answers_from_post(typed, request, application=_Shim(record)))
    errors = {}
    if exc is not None and exc.field:
        errors[exc.details.get("path") or exc.field] = str(exc.message)
    return edit_rows(specs, values, errors)


def _staff_record(request, number: str):
    """The member's record for staff who may open it, else None (404)."""
    if not request.user.is_authenticated:
        return None
    return record_for_staff(viewer=request.user, number=number)


def _refused(request):
    return render(request, "records/forbidden.html", status=403)


@login_required
def member_detail(request, number: str):
    """Everything about one member, for staff: HQ all members, branch administrators their
    branch's. Tabs (?show=): the record (its own tabs ?tab=n, contacts, history), then
    applications, orders and receipts, messages and the timeline (member_views.
    member_section); the actions the viewer may take above them."""
    from tenant_apps.records.member_page import SECTIONS
    from tenant_apps.records.member_views import member_section

    record = _staff_record(request, number)
    if record is None:  # unknown, or out of the viewer's scope: the site's 404 (staff pages)
        return render(request, "404.html", status=404)
    show = request.GET.get("show", "record")
    if show != "record" and show in dict(SECTIONS):
        return member_section(request, record, show)
    return staff_page(request, record)


def staff_page(request, record, **kw):
    """The member page's record tab (also shown again by a refused action on it)."""
    from tenant_apps.records.models import ChangeRequest

    # the member's requests still in review, each a link to its review page
    pending = [r for r in record.change_requests.filter(
        status=ChangeRequest.Status.IN_REVIEW).select_related("branch")]
    return _page(request, record, template="records/member_detail.html", staff_page=True,
                 pending_requests=pending, **kw)


def _section_fields(record, request, index: int):
    shown = record_shown(record, viewer=request.user)
    if not 0 <= index < len(shown["sections"]):
        return None
    return [r["spec"] for r in shown["sections"][index]["rows"]]


@login_required
def member_edit(request, number: str, index: int):
    """Staff who manage members (members.manage: HQ administrators) change any field of one
    tab of a member's record, those the member may not change too, giving a reason that the
    member's history shows. A refused value changes nothing and is shown again, with the
    field's message."""
    from tenant_apps.applications.forms import answers_from_post

    record = _staff_record(request, number)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    if not can(request.user, "members.manage"):
        return _refused(request)
    specs = _section_fields(record, request, index)
    if not specs:
        return render(request, "records/no_record.html", status=404)
    page = {"template": "records/member_detail.html", "staff_page": True, "tab": index,
            "edit": index}
    if request.method != "POST":
        return _page(request, record, edit_rows=_typed_rows(specs, record, request), **page)
    reason = request.POST.get("reason", "")
    try:
        changes = {}
        for spec in specs:
            upload = request.FILES.get(spec["key"]) if spec["type"] == "image" else None
            if upload is not None:
                changes[spec["key"]] = str(record_store_image(
                    acting_user=request.user, record=record, field=spec["key"],
                    uploaded=upload, editable_only=False).public_id)
        changes.update(answers_from_post([s for s in specs if s["type"] != "image"], request,
                                         application=_Shim(record)))
        diff = record_apply_changes(acting_user=request.user, record=record, changes=changes,
                                    editable_only=False, reason=reason, reason_required=True)
    except AppError as exc:
        return _page(request, record, status=exc.status, error=exc, reason=reason,
                     edit_rows=_typed_rows(specs, record, request, exc), **page)
    if diff:
        messages.success(request, _("The member's details are saved."))
    else:
        messages.info(request, _("Nothing was changed."))
    return redirect(reverse("records:member", args=[number]) + f"?tab={index}")


def _staff_contact_page(request, record, exc, **kw):
    return _page(request, record, status=exc.status, error=exc,
                 template="records/member_detail.html", staff_page=True,
                 tab=_contact_tab(record, request), **kw)


def _back_to_contacts(request, record):
    return redirect(reverse("records:member", args=[record.membership.number])
                    + f"?tab={_contact_tab(record, request)}")


@login_required
@require_POST
def staff_contact_new(request, number: str):
    record = _staff_record(request, number)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    if not can(request.user, "members.manage"):
        return _refused(request)
    try:
        contact_add(acting_user=request.user, record=record, data=_contact_data(request))
    except AppError as exc:
        return _staff_contact_page(request, record, exc, form={"new": _contact_data(request)})
    messages.success(request, _("The contact is added."))
    return _back_to_contacts(request, record)


def _staff_contact(request, number: str, pk: int):
    """(record, contact, refusal page or None)."""
    record = _staff_record(request, number)
    contact = next((c for c in record.contacts.all() if c.pk == pk), None) if record else None
    if contact is None:
        return record, None, render(request, "records/no_record.html", status=404)
    if not can(request.user, "members.manage"):
        return record, None, _refused(request)
    return record, contact, None


@login_required
@require_POST
def staff_contact_edit(request, number: str, pk: int):
    record, contact, refused = _staff_contact(request, number, pk)
    if refused is not None:
        return refused
    try:
        contact_update(acting_user=request.user, contact=contact, data=_contact_data(request))
    except AppError as exc:
        return _staff_contact_page(request, record, exc,
                                   form={"edit": pk, **_contact_data(request)})
    messages.success(request, _("The contact is saved."))
    return _back_to_contacts(request, record)


@login_required
@require_POST
def staff_contact_delete(request, number: str, pk: int):
    record, contact, refused = _staff_contact(request, number, pk)
    if refused is not None:
        return refused
    try:
        contact_remove(acting_user=request.user, contact=contact)
    except AppError as exc:
        return _staff_contact_page(request, record, exc)
    messages.success(request, _("The contact is removed."))
    return _back_to_contacts(request, record)


@login_required
def member_withdraw(request, number: str):
    """退会 by staff (members.withdraw: HQ administrators, the secretariat): a page to confirm,
    with the reason the member will see; the same service as the API."""
    from tenant_apps.memberships.services import membership_withdraw
    from tenant_apps.records.member_views import withdrawable

    record = _staff_record(request, number)
    if record is None:
        return render(request, "records/no_record.html", status=404)
    if not can_for_member(request.user, "members.withdraw", record.membership):
        return _refused(request)
    membership = record.membership
    from tenant_apps.records.selectors import member_name

    context = {"membership": membership, "record": record, "reason": "",
               "name": member_name(membership),
               "open_orders": _open_orders(membership),
               "withdrawable": withdrawable(request.user, membership)}
    if request.method != "POST":
        return render(request, "records/member_withdraw.html", context)
    reason = request.POST.get("reason", "")
    try:
        membership_withdraw(membership=membership, actor=request.user, reason=reason,
                            by_staff=True)
    except AppError as exc:
        return render(request, "records/member_withdraw.html",
                      {**context, "reason": reason, "error": exc}, status=exc.status)
    messages.success(request, _("Membership %(number)s is withdrawn.")
                     % {"number": membership.number})
    return redirect("records:member", number=number)


def _open_orders(membership) -> int:
    """The unpaid orders withdrawing cancels (billing.services.orders_cancel_for_membership)."""
    from django.db.models import Q

    from tenant_apps.billing.models import Order, OrderStatus

    return Order.objects.filter(Q(membership=membership) | Q(payer=membership.user_id),
                                status=OrderStatus.PENDING).count()
