"""The member's timeline for staff: who did what to this member, newest first, a page at a
time. It merges the audit rows about the member's objects (the membership, the account, the
record and its contacts, orders, receipts, applications, change requests; `huiji.audit`) with
the moves the nightly job made (`MembershipEvent` rows of the system, which write no audit
row). Every entry is labelled in words from `LABELS` (never the stored action key) with a
detail, the reason given and the actor (系统 for the system).

Three queries a page, however long the member's past: the ids of the member's objects, the
audit rows by their target (index `audit_target`), the job's moves by membership.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenant_apps.records.member_page import PER_PAGE, Page

# What each audited action about a member is called on the timeline.
LABELS = {
    "membership.activated": gettext_lazy("Membership activated"),
    "membership.renewed": gettext_lazy("Validity extended"),
    "membership.level_changed": gettext_lazy("Level changed"),
    "membership.withdrawn": gettext_lazy("Withdrawn"),
    "membership.suspended": gettext_lazy("Suspended by staff"),
    "membership.reinstated": gettext_lazy("Reinstated by staff"),
    "member.data_revealed": gettext_lazy("Personal data revealed"),
    "account.created": gettext_lazy("Account created"),
    "account.signed_up": gettext_lazy("Signed up"),
    "account.activated": gettext_lazy("Password chosen"),
    "account.login_reset": gettext_lazy("Login reset: link sent"),
    "account.password_reset": gettext_lazy("Password reset"),
    "account.password_set": gettext_lazy("Password set"),
    "account.password_changed": gettext_lazy("Password changed"),
    "account.phone_changed": gettext_lazy("Mobile number changed"),
    "record.created": gettext_lazy("Record created"),
    "record.refilled": gettext_lazy("Record filled from a new application"),
    "record.changed": gettext_lazy("Details changed"),
    "record.change_approved": gettext_lazy("Details changed on request"),
    "record.branch_changed": gettext_lazy("Branch changed"),
    "contact.added": gettext_lazy("Contact added"),
    "contact.updated": gettext_lazy("Contact changed"),
    "contact.removed": gettext_lazy("Contact removed"),
    "change_request.submitted": gettext_lazy("Request submitted"),
    "change_request.approved": gettext_lazy("Request step approved"),
    "change_request.rejected": gettext_lazy("Request rejected"),
    "change_request.cancelled": gettext_lazy("Request taken back"),
    "order.created": gettext_lazy("Order created"),
    "order.confirmed": gettext_lazy("Payment confirmed"),
    "order.voucher_uploaded": gettext_lazy("Transfer voucher uploaded"),
    "order.voucher_rejected": gettext_lazy("Voucher not accepted"),
    "order.cancelled": gettext_lazy("Order cancelled"),
    "order.cancelled_withdrawn": gettext_lazy("Order cancelled"),
    "order.replaced": gettext_lazy("Order replaced"),
    "order.expired": gettext_lazy("Order expired"),
    "order.refunded": gettext_lazy("Refunded"),
    "order.refund": gettext_lazy("Refunded"),
    "order.to_refund": gettext_lazy("Money to refund"),
    "invoice.requested": gettext_lazy("Receipt requested"),
    "invoice.issued": gettext_lazy("Receipt issued"),
    "invoice.rejected": gettext_lazy("Receipt request rejected"),
    "invoice.stamped_uploaded": gettext_lazy("Stamped receipt request uploaded"),
    # tenant_apps/certificates
    "certificate.issued": gettext_lazy("Certificate issued"),
    "certificate.superseded": gettext_lazy("Certificate replaced by a new one"),
    "certificate.reissued": gettext_lazy("Certificate re-issued by staff"),
    "certificate.revoked": gettext_lazy("Certificate revoked"),
    "certificate.printed": gettext_lazy("Paper certificate printed"),
    "certificate.mailed": gettext_lazy("Paper certificate mailed"),
}
# By the kind of object, for an action not listed (never shown as its key).
FAMILY = {
    "membership": gettext_lazy("Membership changed"), "account": gettext_lazy("Account changed"),
    "record": gettext_lazy("Details changed"), "contact": gettext_lazy("Contact changed"),
    "change_request": gettext_lazy("Request changed"), "order": gettext_lazy("Order changed"),
    "invoice": gettext_lazy("Receipt changed"), "application": gettext_lazy("Application"),
    "member": gettext_lazy("Member data"), "certificate": gettext_lazy("Certificate changed"),
}


def _label(action: str) -> str:
    from tenant_apps.applications.models import ApplicationEvent

    if action in LABELS:
        return str(LABELS[action])
    family, _dot, rest = action.partition(".")
    if family == "application" and rest in ApplicationEvent.ACTION_LABELS:
        return str(ApplicationEvent.ACTION_LABELS[rest])
    return str(FAMILY.get(family, gettext_lazy("Other change")))


def _about(membership, record) -> Q:
    """The audit rows about this member: each by its target (type, id), every branch of the
    OR served by the index `audit_target`. The ids of the member's orders, receipts,
    applications, contacts and change requests are read first, in one query (an
    `IN (subquery)` inside the OR would make PostgreSQL scan the whole audit table)."""
    from django.db.models import CharField, Value

    from tenant_apps.applications.models import Application
    from tenant_apps.billing.models import InvoiceRequest, Order
    from tenant_apps.certificates.models import Certificate
    from tenant_apps.records.models import ChangeRequest, Contact

    def ids(kind: str, queryset):
        return queryset.annotate(audit_type=Value(kind, output_field=CharField()),
                                 audit_id=Cast("pk", CharField())).values_list(
            "audit_type", "audit_id")

    parts = [ids("Order", Order.objects.filter(Q(membership_id=membership.pk)
                                               | Q(payer_id=membership.user_id))),
             ids("InvoiceRequest", InvoiceRequest.objects.filter(
                 order__payer_id=membership.user_id)),
             ids("Application", Application.objects.filter(applicant_id=membership.user_id)),
             ids("Certificate", Certificate.objects.filter(membership_id=membership.pk))]
    if record is not None:
        # (a removed contact's row names the record; the rows of its life before are on the
        # member's history, records.selectors.record_history)
        parts += [ids("Contact", Contact.objects.filter(record_id=record.pk)),
                  ids("ChangeRequest", ChangeRequest.objects.filter(record_id=record.pk))]
    targets: dict[str, list[str]] = {}
    for kind, pk in parts[0].union(*parts[1:], all=True):
        targets.setdefault(kind, []).append(pk)
    about = (Q(target_type="Membership", target_id=str(membership.pk))
             | Q(target_type="User", target_id=str(membership.user_id)))
    if record is not None:
        about |= Q(target_type="MemberRecord", target_id=str(record.pk))
    for kind, pks in targets.items():
        about |= Q(target_type=kind, target_id__in=pks)
    return about


def _status(code) -> str:
    from tenant_apps.memberships.models import Membership

    try:
        return str(Membership.Status(code).label)
    except ValueError:
        return ""


def _detail(entry, field_labels: dict) -> str:
    """What an audit row did, in words (never a stored key)."""
    from huiji.templatetags.money import yuan
    from tenant_apps.billing.models import PaymentMethod
    from tenant_apps.records.selectors import _audit_detail

    data, action = entry.data or {}, entry.action
    if action in ("record.changed", "record.change_approved") or action.startswith("contact."):
        return _audit_detail(entry if action != "record.change_approved" else _AsChanged(
            entry), field_labels)
    if action == "member.data_revealed":
        return str(data.get("label") or "")
    if action == "account.login_reset":
        return _("sent to %(to)s") % {"to": "、".join(data.get("sent_to") or [])}
    if action.startswith("order."):
        parts = [str(data.get("number") or "")]
        if data.get("amount_fen") is not None:
            parts.append(f"¥{yuan(data['amount_fen'])}")
        if data.get("method") in PaymentMethod.values:
            parts.append(str(PaymentMethod(data["method"]).label))
        if data.get("note"):
            parts.append(str(data["note"]))
        return " · ".join(p for p in parts if p)
    if action.startswith("invoice."):
        return str(data.get("order") or "")
    if action.startswith("certificate."):
        return " · ".join(str(p) for p in (data.get("number"), data.get("tracking_number"))
                          if p)
    if action == "membership.renewed":
        detail = _("valid until %(date)s") % {"date": data.get("valid_until") or "—"}
        if data.get("by_hand") and not data.get("paid"):
            detail = f"{_('free of charge')} · {detail}"
        return detail
    if action in ("membership.suspended", "membership.reinstated", "membership.withdrawn"):
        moved = [_status(data.get("from")), _status(data.get("to") or (
            "suspended" if action == "membership.suspended" else
            "withdrawn" if action == "membership.withdrawn" else ""))]
        return " → ".join(m for m in moved if m)
    if action == "membership.level_changed":
        return str((data.get("after") or {}).get("number") or "")
    if action == "membership.activated":
        return str(data.get("number") or "")
    return ""


class _AsChanged:
    """A reviewed change's row read as a direct change (both keep `changes`)."""

    def __init__(self, entry):
        self.action, self.data = "record.changed", entry.data


def member_timeline(membership, record, number: int, *, document: dict | None = None,
                    per_page: int = PER_PAGE) -> Page:
    """Page `number` of the timeline, newest first: {at, on, label, detail, note, actor,
    kind}. Both sources are read up to this page's end (one row more, to know whether
    another page follows) and merged; three queries (four with the fields' labels when a
    record change is on the page and `document` is not given)."""
    from huiji.audit.models import AuditEntry
    from tenant_apps.memberships.models import MembershipEvent
    from tenant_apps.records.selectors import _actor, _field_labels, _membership_label

    end = number * per_page + 1
    audits = list(AuditEntry.objects.filter(_about(membership, record)).order_by(
        "-created_at", "-id")[:end])
    R = MembershipEvent.Reason
    moves = list(MembershipEvent.objects.filter(
        membership_id=membership.pk, actor__isnull=True,
        reason__in=[R.UNPAID, R.UNPAID_SUSPENDED, R.UNPAID_LAPSED, R.ENDED]).order_by(
        "-created_at", "-id")[:end])
    merged = sorted([("audit", a.created_at, a) for a in audits]
                    + [("move", m.created_at, m) for m in moves],
                    key=lambda t: t[1], reverse=True)
    start = (number - 1) * per_page
    shown = merged[start:start + per_page]
    field_labels = {}
    if record is not None and any(kind == "audit" and (
            e.action.startswith("record.change")) for kind, _at, e in shown):
        field_labels = _field_labels(record, document)
    rows = []
    for kind, at, e in shown:
        if kind == "move":
            label, detail = _membership_label(e)
            rows.append({"at": at, "on": e.effective_on, "kind": "membership",
                         "label": label, "detail": detail, "note": e.note,
                         "actor": _actor("")})
            continue
        rows.append({"at": at, "on": None, "kind": e.action.partition(".")[0],
                     "label": _label(e.action), "detail": _detail(e, field_labels),
                     "note": e.reason, "actor": _actor(e.actor_label)})
    return Page(rows, number, len(merged) > start + per_page)
