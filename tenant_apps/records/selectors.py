"""Reads of member records: the member's own, a member's for staff (in their scope), and the
record as its pages and API show it (tabs of rows, contacts, history), masked for staff where
personal numbers are not needed."""

from __future__ import annotations

from django.db.models import Prefetch

from tenant_apps.accounts.capabilities import can, scope
from tenant_apps.records.layout import layout_of
from tenant_apps.records.models import Contact, MemberRecord


def _records():
    return MemberRecord.objects.select_related(
        "membership__member_type", "membership__rank", "membership__user", "branch",
    ).prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("ordering",
                                                                                "id")))


def record_of_member(user) -> MemberRecord | None:
    """The record of the viewer's own membership (a unit's account, whoever of its contacts
    logged in), or None."""
    if not user.is_authenticated:
        return None
    return _records().filter(membership__user=user).first()


def member_name(membership) -> str:
    """The member as the member centre's card names it: a unit by the field its receipts are
    made out to (as staff lists name a unit: applications.engine.unit_name_in), read from
    the record's current values; a person, or a unit without a record, by the account."""
    from tenant_apps.applications.engine import type_document, unit_name_in
    from tenant_apps.records.services import _revision_document

    values = MemberRecord.objects.filter(membership=membership).values_list(
        "values", flat=True).first()
    if values:
        try:
            doc = type_document(_revision_document(), membership.member_type.code)
        except KeyError:
            doc = {}
        name = unit_name_in(doc, values)
        if name:
            return name
    return str(membership.user)


def record_for_staff(*, viewer, number: str) -> MemberRecord | None:
    """A member's record by member number, for staff who may open member records: all of
    them, or (branch administrators) those who joined a branch they administer. None (404)
    otherwise, so nobody learns whether the number exists."""
    held = scope(viewer, "members.view")
    if held is None:
        return None
    records = _records().filter(membership__number=number)
    if held != "all":
        records = records.filter(branch__admins=viewer)
    return records.first()


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return bool(value)


def mask_id(value: str) -> str:
    """11010519491231002X -> 110***********002X."""
    value = str(value)
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "***"


def mask_phone(value: str) -> str:
    """13912345678 -> 139****5678 (a landline keeps its area code and last digits)."""
    value = str(value)
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"


def record_history(record: MemberRecord) -> list:
    """What happened to the membership, oldest first: the timeline of the member's
    applications (joining, level changes). The membership's own state changes (renewals,
    lapses) join this list here when memberships record them."""
    from tenant_apps.applications.models import ApplicationEvent

    return list(ApplicationEvent.objects.filter(
        application__applicant_id=record.membership.user_id).select_related(
        "application__member_type").order_by("created_at", "id"))


def record_shown(record: MemberRecord, *, viewer) -> dict:
    """The record as pages and the API show it. The member sees everything of their own;
    staff see ID numbers masked, and phones too unless they manage members."""
    from huiji import richtext
    from tenant_apps.applications.forms import _display, choices_of
    from tenant_apps.records.services import _revision_document, record_type_doc

    own = viewer.pk == record.membership.user_id
    unmasked = own or can(viewer, "members.manage")
    document = _revision_document()
    doc = record_type_doc(record, document)
    layout = layout_of(doc)
    values = record.values or {}
    sections = []
    photo = None
    for index, section in enumerate(layout["sections"]):
        rows = []
        for spec in section["fields"]:
            value = values.get(spec["key"])
            if spec["type"] == "image" and _is_uuid(value) and photo is None:
                photo = value
            rows.append(_row(spec, value, document, own=own, unmasked=unmasked,
                             editable=own and spec["key"] in layout["editable"],
                             display=_display, choices_of=choices_of, richtext=richtext))
        if own:
            _form_rows(rows, values, document)
        sections.append({"index": index, "title": section["title"],
                         "contacts": section["contacts"], "rows": rows,
                         "editable": any(r["editable"] for r in rows)})
    contacts_spec = layout.get("contacts")
    contacts = [{
        "id": c.pk, "role": c.role, "name": c.name, "department": c.department,
        "position": c.position, "email": c.email,
        "mobile": c.mobile if unmasked or not c.mobile else mask_phone(c.mobile),
        "telephone": c.telephone if unmasked or not c.telephone else mask_phone(c.telephone),
        "contact": c} for c in record.contacts.all()]
    membership = record.membership
    return {"record": record, "membership": membership, "sections": sections,
            "contacts": contacts, "contacts_spec": contacts_spec,
            "contacts_manageable": bool(contacts_spec) and (own or can(viewer,
                                                                       "members.manage")),
            "photo": photo, "own": own, "interest_branches": _interest_branches(
                layout, values, document)}


def _row(spec, value, document, *, own, unmasked, editable, display, choices_of, richtext):
    kind = spec["type"]
    choices = choices_of(spec, document) if kind in ("choice", "multichoice") else []
    row = {"key": spec["key"], "label": spec["label"], "type": kind, "value": value,
           "editable": editable, "spec": spec, "items": None,
           "file": value if kind == "image" and _is_uuid(value) else None}
    if kind == "group":
        items = [i for i in value or [] if isinstance(i, dict)]
        row["columns"] = [f["label"] for f in spec["fields"]]
        row["items"] = [[display(f, i.get(f["key"]), choices_of(f, document)
                                 if f["type"] in ("choice", "multichoice") else [])
                         for f in spec["fields"]] for i in items]
        row["display"] = ""
    elif kind == "richtext" and value:
        row["display"] = richtext.safe_html(value)
    else:
        row["display"] = display(spec, value, choices)
    if value and not own and kind == "cn_id":
        row["display"] = mask_id(value)
    elif value and not unmasked and kind == "phone":
        row["display"] = mask_phone(value)
    return row


def _form_rows(rows: list[dict], values: dict, document: dict) -> None:
    """The inputs of the member-editable rows (the wizard's own field rendering)."""
    from types import SimpleNamespace

    from tenant_apps.applications.forms import field_rows

    shim = SimpleNamespace(revision=SimpleNamespace(document=document), answers=values)
    for row in rows:
        if row["editable"]:
            row["form"] = field_rows([row["spec"]], values, {}, application=shim)[0]


def _interest_branches(layout: dict, values: dict, document: dict) -> list[str]:
    from tenant_apps.applications.forms import _branch_choices

    names = {c["value"]: c["label"].strip("　") for c in _branch_choices(document)}
    out = []
    for section in layout["sections"]:
        for spec in section["fields"]:
            if spec["type"] == "multichoice" and spec.get("choices_from") == "branches":
                out += [names.get(v, v) for v in values.get(spec["key"]) or []]
    return out
