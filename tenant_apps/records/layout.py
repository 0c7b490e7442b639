"""The member record's layout: which tabs a member type's record shows (基础信息, 联络员信息,
扩展资料, 企业营收 for Jiangsu), which fields the member may change, and its contacts (roles,
how many, which details, where they come from in the application).

A member type's `record:` in the profile (docs/member-record.md):

    record:
      sections:
        - {title: 基础信息, fields: [logo, unit_name, industry]}   # keys of the type's forms
        - {title: 联络员信息, contacts: true}                       # the contacts tab
        - title: 企业营收
          fields:                                # or fields of the record alone
            - {key: revenue, label: 企业营收, type: group, fields: [...]}
      editable: [website, revenue]               # the member may change these at once
      contacts:
        roles: [第一联络员, 第二联络员]
        unique_roles: true                       # each role held once
        min_items: 1
        max_items: 2
        fields: [department, position, mobile, email]   # asked besides name and role
        required: [mobile]
        login: true                              # a contact's mobile logs in to the unit
        from: {group: liaisons, name: liaison_name, mobile: liaison_mobile}

Without `record:` the record has one tab per form step and, where the forms have a contacts
group (`contacts:` on a group field), a contacts tab in its place.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

CONTACT_DETAILS = ("department", "position", "mobile", "telephone", "email")
CONTACT_PARTS = ("name", *CONTACT_DETAILS)
# The columns' lengths (records.models.Contact).
LENGTHS = {"name": 50, "department": 100, "position": 50, "mobile": 20, "telephone": 30,
           "email": 254, "role": 40}


def layout_checked(c, raw: Any, p: str, entry: dict, field_keys: dict[str, str], *,
                   field_rule) -> dict:
    """The normalised `record:` of a member type (profile validation); {} when absent."""
    if raw is None or raw == {}:
        return {}
    spec = c.mapping(raw, p, {"sections", "editable", "contacts"})
    out: dict[str, Any] = {"sections": []}
    form_keys = dict(field_keys)  # the forms' keys, before record-only fields are added
    record_keys: set[str] = set()
    for s, raw_section in enumerate(c.listing(spec.get("sections"), f"{p}.sections",
                                              required=True)):
        q = f"{p}.sections[{s}]"
        section = c.mapping(raw_section, q, {"title", "fields", "contacts"},
                            required={"title"})
        item: dict[str, Any] = {"title": c.text(section.get("title"), f"{q}.title",
                                                required=True, max_length=40)}
        if section.get("contacts") is not None:
            item["contacts"] = c.boolean(section["contacts"], f"{q}.contacts", False)
        fields = []
        for k, raw_field in enumerate(c.listing(section.get("fields"), f"{q}.fields")):
            r = f"{q}.fields[{k}]"
            if isinstance(raw_field, str):
                if raw_field not in form_keys:
                    c.fail(r, _("must name a field of this type's forms"))
                fields.append(raw_field)
            else:
                field = field_rule(c, raw_field, r, field_keys)
                record_keys.add(field.get("key") or "")
                fields.append(field)
        item["fields"] = fields
        if not fields and not item.get("contacts"):
            c.fail(q, _("shows neither fields nor the contacts"))
        out["sections"].append(item)
    known = set(form_keys) | record_keys
    editable = c.listing(spec.get("editable"), f"{p}.editable")
    for k, key in enumerate(editable):
        if key not in known:
            c.fail(f"{p}.editable[{k}]", _("must name a field of this type's forms or record"))
    out["editable"] = [str(k) for k in editable]
    if spec.get("contacts") is not None:
        out["contacts"] = _contacts(c, spec["contacts"], f"{p}.contacts", entry)
    if any(s.get("contacts") for s in out["sections"]) and "contacts" not in out:
        c.fail(f"{p}.contacts", _("is required when a section shows the contacts"))
    return out


def _contacts(c, raw: Any, p: str, entry: dict) -> dict:
    spec = c.mapping(raw, p, {"roles", "unique_roles", "min_items", "max_items", "fields",
                              "required", "login", "from"}, required={"roles"})
    roles = [str(r) for r in c.listing(spec.get("roles"), f"{p}.roles", required=True)]
    low = c.integer(spec.get("min_items", 1), f"{p}.min_items", low=1, high=50) or 1
    high = c.integer(spec.get("max_items", 10), f"{p}.max_items", low=1, high=50) or 10
    if high < low:
        c.fail(f"{p}.max_items", _("must not be less than min_items"))
    unique = c.boolean(spec.get("unique_roles"), f"{p}.unique_roles", False)
    if unique and len(roles) < high:
        c.fail(f"{p}.unique_roles", _("needs a role for every contact up to max_items"))
    fields = [str(f) for f in c.listing(spec.get("fields"), f"{p}.fields")]
    for k, name in enumerate(fields):
        if name not in CONTACT_DETAILS:
            c.fail(f"{p}.fields[{k}]", _("must be one of: %(allowed)s")
                   % {"allowed": ", ".join(CONTACT_DETAILS)})
    required = [str(f) for f in c.listing(spec.get("required"), f"{p}.required")]
    for k, name in enumerate(required):
        if name not in fields:
            c.fail(f"{p}.required[{k}]", _("must be one of this list's fields"))
    login = c.boolean(spec.get("login"), f"{p}.login", False)
    if login and "mobile" not in fields:
        c.fail(f"{p}.login", _("needs the mobile among the contacts' fields"))
    source = _source(c, spec.get("from"), f"{p}.from", entry)
    return {"roles": roles, "unique_roles": unique, "min_items": low, "max_items": high,
            "fields": fields, "required": required, "login": login, "from": source}


def _source(c, raw: Any, p: str, entry: dict) -> dict:
    """Where the first contacts come from: a group field (each item a contact) or, without
    `group`, fields of the forms (one contact, Jiangsu's 联系人 / 联系人手机号)."""
    if raw is None:
        return {}
    spec = c.mapping(raw, p, {"group", *CONTACT_PARTS}, required={"name"})
    top = {f["key"]: f for f in _form_fields(entry)}
    keys = top
    if spec.get("group") is not None:
        group = top.get(spec["group"])
        if not group or group.get("type") != "group":
            c.fail(f"{p}.group", _("must name a group field of this type's forms"))
            keys = {}
        else:
            keys = {f["key"]: f for f in group.get("fields", [])}
    out = {"group": spec["group"]} if spec.get("group") else {}
    for part in CONTACT_PARTS:
        key = spec.get(part)
        if key is None:
            continue
        if keys and key not in keys:
            c.fail(f"{p}.{part}", _("must name a field of the forms (or of the group)"))
        out[part] = str(key)
    return out


def _form_fields(type_doc: dict) -> list[dict]:
    return [f for form in ("registration_form", "application_form")
            for step in (type_doc.get(form) or {}).get("steps", []) for f in step["fields"]]


# --- at run time ------------------------------------------------------------------------------

def layout_of(type_doc: dict) -> dict:
    """The record layout of a member type document: its own `record:`, or the default (one
    tab per form step; a contacts group becomes the contacts tab). Sections' fields come
    back as field specs; `editable` as a set of keys."""
    record = type_doc.get("record") or {}
    specs = {f["key"]: f for f in _form_fields(type_doc)}
    if record.get("sections"):
        sections = [{"title": s["title"], "contacts": bool(s.get("contacts")),
                     "fields": [specs[f] if isinstance(f, str) else f
                                for f in s.get("fields", [])
                                if not isinstance(f, str) or f in specs]}
                    for s in record["sections"]]
        return {"sections": sections, "editable": set(record.get("editable") or ()),
                "contacts": record.get("contacts")}
    group = next((f for f in specs.values() if f["type"] == "group" and f.get("contacts")),
                 None)
    sections = []
    for form in ("registration_form", "application_form"):
        for step in (type_doc.get(form) or {}).get("steps", []):
            fields = [f for f in step["fields"] if f is not group]
            if fields:
                sections.append({"title": step["title"], "contacts": False, "fields": fields})
            if group is not None and len(fields) < len(step["fields"]):
                sections.append({"title": group["label"], "contacts": True, "fields": []})
    contacts = None
    if group is not None:
        parts = group["contacts"]
        source = {"group": group["key"], "name": parts.get("name")}
        if parts.get("phone"):
            source["mobile"] = parts["phone"]
        if parts.get("email"):
            source["email"] = parts["email"]
        contacts = {"roles": group.get("item_roles") or [_("Contact")],
                    "unique_roles": len(group.get("item_roles") or []) >= group["max_items"],
                    "min_items": max(group.get("min_items") or 1, 1),
                    "max_items": group["max_items"],
                    "fields": [p for p in ("mobile", "email") if p in source],
                    "required": [], "login": False, "from": source}
    return {"sections": sections, "editable": set(), "contacts": contacts}


def contacts_from_answers(contacts: dict | None, answers: dict) -> list[dict]:
    """The contacts an application's answers give, as rows (role, name, details), in order:
    a group's items (the n-th item the n-th role, as the form's item_roles), or one contact
    from plain fields. A phone answer that is no mobile goes to the telephone."""
    from tenant_apps.configuration.fieldtypes import is_mobile

    if not contacts or not contacts.get("from"):
        return []
    source, roles = contacts["from"], contacts["roles"]
    if source.get("group"):
        items = [i for i in answers.get(source["group"]) or [] if isinstance(i, dict)]
    else:
        items = [answers]
    rows = []
    for n, item in enumerate(items[:contacts["max_items"]]):
        row = {part: str(item.get(source[part]) or "").strip()[:LENGTHS[part]]
               for part in CONTACT_PARTS if source.get(part)}
        if not row.get("name"):
            continue
        if row.get("mobile") and not is_mobile(row["mobile"]):
            row["telephone"], row["mobile"] = row.get("telephone") or row["mobile"], ""
        row["role"] = roles[min(n, len(roles) - 1)]  # the n-th item the n-th role
        rows.append(row)
    return rows


def record_values_from_answers(layout: dict, answers: dict) -> dict:
    """The answers the record keeps as its field values: everything but the contacts'
    group (its items become contact rows of their own)."""
    source = (layout.get("contacts") or {}).get("from") or {}
    return {k: v for k, v in answers.items() if k != source.get("group")}
