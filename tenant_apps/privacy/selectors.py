"""Reads of personal-data rights: everything the association holds about a member (the
export's content, 我的数据), the member's consents, exports and deletion requests."""

from __future__ import annotations

import json

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.configdoc import keyed_nodes
from tenant_apps.privacy.models import ConsentRecord, DataExport, DeletionRequest


def _specs(document) -> dict[str, dict]:
    """{field key: field} of every field in a configuration document (group members too)."""
    out: dict[str, dict] = {}
    for node in keyed_nodes(document):
        if isinstance(node.get("label"), str) and "type" in node:
            out.setdefault(node["key"], node)
    return out


def _shown(spec: dict | None, value, document: dict) -> str:
    """A value as the member's pages show it: a choice by its label, a region by its names,
    a group item by item (the raw value stays beside it in data.json)."""
    from huiji import richtext
    from tenant_apps.applications.forms import _display, choices_of

    if value in (None, "", [], {}):
        return ""
    if spec is None:  # a key no field describes any more
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if spec["type"] == "group":
        return "；".join(
            "，".join(f"{f['label']}：{_shown(f, item.get(f['key']), document)}"
                     for f in spec.get("fields", []) if item.get(f["key"]) not in (None, ""))
            for item in value if isinstance(item, dict))
    if spec["type"] == "richtext":
        return richtext.plain_text(value)
    choices = choices_of(spec, document) if spec["type"] in ("choice", "multichoice") else []
    return str(_display(spec, value, choices))


def _fields(values: dict | None, specs: dict[str, dict], document: dict) -> list[dict]:
    return [{"key": k, "label": specs[k]["label"] if k in specs else k, "value": v,
             "shown": _shown(specs.get(k), v, document)}
            for k, v in (values or {}).items()]


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def member_data(user) -> dict:
    """Everything the association holds about `user`, as plain JSON-ready values in the
    association's language: the account, membership and record (values in full: it is the
    member's own), contacts, applications with answers, uploads and timeline, change
    requests, orders and receipts, certificates, messages, consents, who revealed their
    masked data and when, exports and deletion requests."""
    from huiji.audit.models import AuditEntry
    from tenant_apps.applications.models import Application, ApplicationUpload
    from tenant_apps.billing.models import InvoiceRequest, Order
    from tenant_apps.certificates.models import Certificate
    from tenant_apps.files.models import PrivateFile
    from tenant_apps.memberships.models import Membership, MembershipEvent
    from tenant_apps.notifications.models import InboxMessage
    from tenant_apps.records.models import ChangeRequest, Contact, MemberRecord
    from tenant_apps.records.services import _revision_document

    document = _revision_document()
    specs = _specs(document)
    membership = Membership.objects.filter(user=user).select_related(
        "member_type", "rank").first()
    record = MemberRecord.objects.filter(membership=membership).first() if membership else None
    data: dict = {
        "generated_at": _when(timezone.now()),
        "account": {"name": user.name, "username": user.username, "phone": user.phone or "",
                    "email": user.email or "", "joined": _when(user.date_joined)},
        "membership": None, "record": [], "contacts": [], "applications": [],
        "change_requests": [], "orders": [], "receipts": [], "certificates": [],
        "messages": [], "uploads": [], "consents": [], "reveals": [], "exports": [],
        "deletion_requests": [],
    }
    if membership is not None:
        data["membership"] = {
            "number": membership.number, "member_type": membership.member_type.name,
            "rank": membership.rank.name if membership.rank_id else "",
            "status": str(membership.get_status_display()),
            "valid_from": str(membership.valid_from or ""),
            "valid_until": str(membership.valid_until or ""),
            "history": [{"at": _when(e.created_at), "to": str(e.get_to_status_display()),
                         "reason": str(e.get_reason_display()), "note": e.note}
                        for e in MembershipEvent.objects.filter(membership=membership)
                        .order_by("created_at", "id")]}
    if record is not None:
        data["record"] = _fields(record.values, specs, document)
        data["contacts"] = [
            {"role": c.role, "name": c.name, "department": c.department,
             "position": c.position, "mobile": c.mobile, "telephone": c.telephone,
             "email": c.email} for c in Contact.objects.filter(record=record)]
        data["change_requests"] = [
            {"at": _when(r.created_at), "kind": str(r.get_kind_display()),
             "status": str(r.get_status_display()), "note": r.note, "reason": r.reason,
             "changes": [{"label": specs[k]["label"] if k in specs else k,
                          "old": (v or {}).get("old"), "new": (v or {}).get("new")}
                         for k, v in (r.changes or {}).items()]}
            for r in ChangeRequest.objects.filter(record=record).order_by("created_at", "id")]
        data["reveals"] = [
            {"at": _when(a.created_at), "by": a.actor_label, "field": (a.data or {}).get(
                "label", "")}
            for a in AuditEntry.objects.filter(
                action="member.data_revealed", target_type="MemberRecord",
                target_id=str(record.pk)).order_by("created_at", "id")]
    for application in Application.objects.filter(applicant=user).select_related(
            "member_type", "revision").prefetch_related("events").order_by("created_at"):
        own = {**specs, **_specs(application.revision.document)}
        data["applications"].append({
            "started": _when(application.created_at),
            "submitted": _when(application.submitted_at),
            "purpose": str(application.get_purpose_display()),
            "member_type": application.member_type.name,
            "status": str(application.get_status_display()),
            "answers": _fields(application.answers, own, application.revision.document),
            "timeline": [{"at": _when(e.created_at), "what": e.action_label,
                          "reason": e.reason} for e in application.events.all()]})
    uploads = {u.file_id: u.requirement for u in ApplicationUpload.objects.filter(
        application__applicant=user)}
    data["uploads"] = [
        {"name": f.original_name, "size": f.size, "uploaded": _when(f.created_at),
         "for": uploads.get(f.pk, "")}
        for f in PrivateFile.objects.filter(owner=user).exclude(
            pk__in=DataExport.objects.filter(user=user, file__isnull=False)
            .values("file_id")).order_by("created_at")]
    orders = Order.objects.filter(Q(payer=user) | Q(membership__user=user)).select_related(
        "member_type").order_by("created_at")
    data["orders"] = [
        {"number": o.number, "kind": str(o.get_kind_display()),
         "member_type": o.member_type.name, "years": o.years,
         "amount_yuan": f"{o.amount_fen / 100:.2f}", "status": str(o.get_status_display()),
         "method": str(o.get_method_display()) if o.method else "",
         "created": _when(o.created_at), "paid": _when(o.paid_at)} for o in orders]
    data["receipts"] = [
        {"order": r.order.number, "title": r.title, "tax_id": r.tax_id,
         "status": str(r.get_status_display()), "requested": _when(r.created_at),
         "issued": _when(r.issued_at)}
        for r in InvoiceRequest.objects.filter(order__in=orders).select_related("order")]
    if membership is not None:
        data["certificates"] = [
            {"number": c.number, "kind": str(c.get_kind_display()),
             "status": str(c.get_status_display()), "issued": _when(c.issued_at),
             "revoked": _when(c.revoked_at)}
            for c in Certificate.objects.filter(membership=membership).order_by("issued_at")]
    data["messages"] = [{"at": _when(m.created_at), "title": m.title, "text": m.body}
                        for m in InboxMessage.objects.filter(user=user).order_by("created_at")]
    data["consents"] = consent_rows(user)
    data["exports"] = [{"asked": _when(e.created_at), "status": str(e.get_status_display())}
                       for e in DataExport.objects.filter(user=user).order_by("created_at")]
    data["deletion_requests"] = [
        {"asked": _when(d.created_at), "status": str(d.get_status_display()),
         "reason": d.reason, "answer": d.decision_reason}
        for d in DeletionRequest.objects.filter(user=user).order_by("created_at")]
    return data


def consent_rows(user) -> list[dict]:
    """The member's consents, newest first, as 我的数据 and the export show them."""
    return [{"at": _when(c.at), "purpose": str(c.get_purpose_display()),
             "action": str(c.get_action_display()), "where": str(c.get_where_display()),
             "version": c.text.version if c.text_id else None,
             "text": c.text.text if c.text_id else "", "subject": c.subject}
            for c in ConsentRecord.objects.filter(user=user).select_related("text")]


def my_data_page(user) -> dict:
    """What 我的数据 shows: the consents, the exports (newest first) and the deletion
    requests, with whether a request is open."""
    requests = list(DeletionRequest.objects.filter(user=user))
    return {"consents": consent_rows(user),
            "exports": list(DataExport.objects.filter(user=user).select_related("file")[:5]),
            "requests": requests,
            "open_request": next((r for r in requests
                                  if r.status == DeletionRequest.Status.SUBMITTED), None),
            "title": _("My data")}
