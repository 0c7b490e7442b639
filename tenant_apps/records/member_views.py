"""The staff member page's sections and actions (docs/member-record.md, "The staff member
page"). Each action is a page to confirm (GET) whose form posts to the same URL and calls one
service; a refusal shows the page again with the translated message and its status (400 for
bad input, 403, 409), nothing changed; success returns to the member page with a message.

Who may do what is asked of `accounts.capabilities.can_for_member` (a branch administrator
only for members of their branch); who may open the member at all, of
`records.selectors.record_for_staff` (404 for everyone else, so nobody learns whether a number
exists)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from huiji.forms import parsed
from tenant_apps.accounts.capabilities import can, can_for_member
from tenant_apps.memberships.models import Membership
from tenant_apps.records.member_page import SECTIONS

S = Membership.Status

# The staff message page (branch `dash`): the member page links to it.
MESSAGE_PAGE = "/manage/members/message/"


def _no_record(request):
    return render(request, "records/no_record.html", status=404)


def _refused(request):
    return render(request, "records/forbidden.html", status=403)


def _record(request, number: str):
    from tenant_apps.records.selectors import record_for_staff

    if not request.user.is_authenticated:
        return None
    return record_for_staff(viewer=request.user, number=number)


def _scoped(record):
    """Read the branch's administrators once, for every can_for_member of this page."""
    from django.db.models import prefetch_related_objects

    if record.branch_id:
        prefetch_related_objects([record.branch], "admins")
    return record


def withdrawable(user, membership) -> bool:
    """办理退会 is offered: the viewer may (members.withdraw) and the status allows it."""
    from tenant_apps.memberships.state import TRANSITIONS

    return can_for_member(user, "members.withdraw", membership) and \
        S.WITHDRAWN in TRANSITIONS.get(membership.status, ())


def member_actions(user, record) -> dict:
    """Which actions the page offers this viewer for this member, by role and status."""
    from tenant_apps.imports.first_login import needs_first_login
    from tenant_apps.memberships.rules import hand_renewal_terms
    from tenant_apps.memberships.state import BY_STAFF

    membership = record.membership
    may = {cap: can_for_member(user, cap, membership) for cap in (
        "members.suspend", "members.renew", "members.reset_login", "members.reveal")}
    return {
        "may_suspend": may["members.suspend"] and membership.status in BY_STAFF["suspend"],
        "may_reinstate": may["members.suspend"] and membership.status in BY_STAFF["reinstate"],
        "may_renew": may["members.renew"] and hand_renewal_terms(membership).open,
        "may_reset_login": may["members.reset_login"],
        "may_reveal": may["members.reveal"],
        "may_withdraw": withdrawable(user, membership),
        # 首次登录 for a member imported without a password (tenant_apps/imports): a member
        # who has a password is helped by 重置登录 instead, not invited to a first login
        "may_invite": can_for_member(user, "members.manage", membership)
        and needs_first_login(membership.user),
        "message_url": MESSAGE_PAGE + "?" + urlencode({"number": membership.number}),
        # (not "sections": the record's own tabs go by that name in the same context)
        "page_sections": [{"key": k, "label": label} for k, label in SECTIONS],
    }


def _name(record) -> str:
    from tenant_apps.records.selectors import member_name

    return member_name(record.membership, values=record.values or {})


# --- the sections other than the record ----------------------------------------------------

def member_section(request, record, show: str):
    """One of the page's other tabs: applications, orders and receipts, messages, the
    timeline. Each reads a page of its list (?page=) with a constant number of queries."""
    from tenant_apps.records import member_page, timeline

    membership = record.membership
    number = member_page.page_number(request.GET.get("page"))
    context = {"record": record, "membership": membership, "show": show,
               "name": _name(record), **member_actions(request.user, _scoped(record))}
    if show == "applications":
        context.update(member_page.member_applications(membership, record))
        context["may_open_applications"] = can(request.user, "applications.view")
    elif show == "orders":
        context["page"] = member_page.member_orders(membership, number)
        context["may_open_files"] = can(request.user, "files.view")
    elif show == "certificates":  # tenant_apps/certificates: re-issue, revoke
        from tenant_apps.certificates.selectors import certificates_of

        context["certificates"] = certificates_of(membership)
        context["may_certificates"] = can_for_member(request.user, "certificates.manage",
                                                     membership)
    elif show == "messages":
        context["page"] = member_page.member_messages(membership, number, viewer=request.user)
    else:
        context["page"] = timeline.member_timeline(membership, record, number)
    return render(request, "records/member_section.html", context)


# --- actions -----------------------------------------------------------------------------------

def _action(request, number: str, capability: str):
    """(record, None) when the viewer may do `capability` to this member, else (None, the
    refusal: 404 when they may not open the member, 403 when they may but not this)."""
    record = _record(request, number)
    if record is None:
        return None, _no_record(request)
    if not can_for_member(request.user, capability, _scoped(record).membership):
        return None, _refused(request)
    return record, None


def _context(record, **extra) -> dict:
    return {"record": record, "membership": record.membership, "name": _name(record),
            **extra}


# Fields whose refusal the action page shows beside the field, not above the form.
_INLINE = ("reason", "amount", "years", "note")


def _again(request, context: dict, exc: AppError):
    """The action page again after a refusal: what was typed, the translated message, the
    error's status (400 bad input, 403, 409), nothing changed."""
    return render(request, "records/member_action.html", {
        **context, "error": exc, "error_inline": exc.field in _INLINE}, status=exc.status)


def _back(number: str):
    return redirect("records:member", number=number)


@login_required
def suspend(request, number: str):
    """暂停会籍: with the reason the member reads (memberships.services.membership_suspend)."""
    from tenant_apps.memberships.services import membership_suspend
    from tenant_apps.memberships.state import BY_STAFF

    record, refusal = _action(request, number, "members.suspend")
    if refusal:
        return refusal
    membership = record.membership
    context = _context(record, action="suspend", reason="",
                       allowed=membership.status in BY_STAFF["suspend"])
    if request.method != "POST":
        return render(request, "records/member_action.html", context)
    reason = request.POST.get("reason", "")
    try:
        membership_suspend(acting_user=request.user, membership=membership, reason=reason)
    except AppError as exc:
        return _again(request, {**context, "reason": reason}, exc)
    messages.success(request, _("Membership %(number)s is suspended; the member is told.")
                     % {"number": membership.number})
    return _back(number)


@login_required
def reinstate(request, number: str):
    """恢复会籍: back to the status the dates give (memberships.services.
    membership_reinstate)."""
    from tenant_apps.memberships.rules import status_by_dates
    from tenant_apps.memberships.services import membership_reinstate

    record, refusal = _action(request, number, "members.suspend")
    if refusal:
        return refusal
    membership = record.membership
    target = status_by_dates(membership)
    context = _context(record, action="reinstate", reason="",
                       allowed=membership.status == S.SUSPENDED
                       and target in (S.ACTIVE, S.OVERDUE),
                       target=S(target).label)
    if request.method != "POST":
        return render(request, "records/member_action.html", context)
    reason = request.POST.get("reason", "")
    try:
        membership = membership_reinstate(acting_user=request.user, membership=membership,
                                          reason=reason)
    except AppError as exc:
        return _again(request, {**context, "reason": reason}, exc)
    messages.success(request, _("Membership %(number)s is reinstated: %(status)s.")
                     % {"number": membership.number, "status": membership.get_status_display()})
    return _back(number)


class RenewForm(forms.Form):
    """What the renewal form posts. `paid`: money received outside the platform (the method,
    the amount, a note); otherwise a free extension with a reason."""

    years = forms.IntegerField(min_value=1, max_value=99, label=gettext_lazy("Years"),
                               error_messages={"required": gettext_lazy("Choose the years."),
                                               "invalid": gettext_lazy("Choose the years.")})
    mode = forms.ChoiceField(choices=[("paid", gettext_lazy("Money received")),
                                      ("free", gettext_lazy("Free extension"))],
                             error_messages={
                                 "required": gettext_lazy("Choose paid or free of charge."),
                                 "invalid_choice": gettext_lazy(
                                     "Choose paid or free of charge.")})
    method = forms.CharField(required=False)
    amount = forms.CharField(required=False)
    note = forms.CharField(required=False)
    reason = forms.CharField(required=False)

    def clean_amount(self):
        from tenant_apps.configuration.forms import YuanField

        if self.data.get("mode") != "paid":
            return None
        value = YuanField(required=True, error_messages={
            "required": gettext_lazy("Enter the amount received.")}).clean(
            self.cleaned_data.get("amount"))
        return value


@login_required
def renew(request, number: str):
    """手工续期 (memberships.services.membership_renew_by_hand): with money received outside
    the platform (an order confirmed at once) or free of charge with a reason."""
    from tenant_apps.billing.models import PaymentMethod
    from tenant_apps.billing.pricing import renewal_price
    from tenant_apps.billing.services import OUTSIDE_METHODS, OutsidePayment
    from tenant_apps.memberships.rules import hand_renewal_terms, held_by_staff
    from tenant_apps.memberships.services import membership_renew_by_hand
    from tenant_apps.memberships.validity import validity_end

    record, refusal = _action(request, number, "members.renew")
    if refusal:
        return refusal
    membership = record.membership
    terms = hand_renewal_terms(membership)
    unit = renewal_price(membership)
    options = [{"years": y, "amount_fen": unit * y,
                "until": validity_end(membership.member_type, start=terms.start, years=y)}
               for y in terms.options] if terms.open else []
    form = {"years": str(terms.options[0]) if options else "", "mode": "paid" if unit else
            "free", "method": PaymentMethod.CASH, "amount": "", "note": "", "reason": ""}
    context = _context(record, action="renew", allowed=terms.open, terms=terms,
                       options=options, unit=unit, held=held_by_staff(membership),
                       methods=[(m, PaymentMethod(m).label) for m in OUTSIDE_METHODS])
    if request.method != "POST":
        return render(request, "records/member_action.html", {**context, "form": form})
    typed = {k: request.POST.get(k, "") for k in form}
    try:
        data = parsed(RenewForm, request.POST)
        payment = OutsidePayment(method=data["method"], amount_fen=data["amount"],
                                 note=data["note"]) if data["mode"] == "paid" else None
        membership = membership_renew_by_hand(
            acting_user=request.user, membership=membership, years=data["years"],
            payment=payment, reason=data["reason"])
    except AppError as exc:
        return _again(request, {**context, "form": typed}, exc)
    messages.success(request, _("Membership %(number)s is renewed: valid until %(date)s.")
                     % {"number": membership.number,
                        "date": membership.valid_until.isoformat()})
    return _back(number)


@login_required
def reset_login(request, number: str):
    """重置登录 (accounts.services.member_login_reset): a one-time link to the member."""
    from tenant_apps.accounts.services import _mask_email, member_login_reset
    from tenant_apps.records.selectors import mask_phone

    record, refusal = _action(request, number, "members.reset_login")
    if refusal:
        return refusal
    user = record.membership.user
    to = [a for a in (mask_phone(user.phone) if user.phone else None,
                      _mask_email(user.email) if user.email else None) if a]
    context = _context(record, action="reset_login", allowed=bool(to), sent_to=to)
    if request.method != "POST":
        return render(request, "records/member_action.html", context)
    try:
        sent = member_login_reset(acting_user=request.user, membership=record.membership)
    except AppError as exc:
        return _again(request, context, exc)
    messages.success(request, _("A one-time link to choose a new password was sent to "
                                "%(to)s.") % {"to": "、".join(sent)})
    return _back(number)


class RevealForm(forms.Form):
    field = forms.CharField(max_length=100, error_messages={
        "required": gettext_lazy("There is nothing to reveal here.")})
    contact = forms.IntegerField(required=False, min_value=1, error_messages={
        "invalid": gettext_lazy("There is nothing to reveal here."),
        "min_value": gettext_lazy("There is nothing to reveal here.")})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def reveal(request, number: str):
    """查看 a masked value (records.services.member_data_reveal, logged). Answers JSON
    ({"value"}) to the page's script, or the member page with the value shown."""
    from tenant_apps.records.services import member_data_reveal
    from tenant_apps.records.views import staff_page

    record = _record(request, number)
    if record is None:
        return _no_record(request)
    try:
        data = parsed(RevealForm, request.POST)
        value = member_data_reveal(acting_user=request.user, record=_scoped(record),
                                   field=data["field"], contact_id=data["contact"])
    except AppError as exc:
        if _wants_json(request):
            return JsonResponse({"error": exc.as_dict()}, status=exc.status)
        if exc.status == 403:
            return _refused(request)
        return staff_page(request, record, status=exc.status, error=exc)
    if _wants_json(request):
        return JsonResponse({"value": value})
    key = f"contact:{data['contact']}:{data['field']}" if data["contact"] else data["field"]
    return staff_page(request, record, revealed={key: value},
                      tab=_tab_of(request, record, data))


def _tab_of(request, record, data) -> int:
    """The record tab that shows the revealed value (the contacts' tab for a contact)."""
    from tenant_apps.records.selectors import record_shown

    shown = record_shown(record, viewer=request.user)
    for section in shown["sections"]:
        if (data["contact"] and section["contacts"]) or (
                not data["contact"] and any(r["key"] == data["field"] for r in section["rows"])):
            return section["index"]
    return 0


def section_url(number: str, show: str) -> str:
    return reverse("records:member", args=[number]) + (f"?show={show}" if show != "record"
                                                       else "")
