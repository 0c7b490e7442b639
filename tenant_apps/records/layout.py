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
      reviewed: [unit_name, address]             # the member asks, reviewers approve
      labels: {unit_name: 单位名称}                # the record's word for a form's field
      change_review:                             # who decides, and what proof is asked
        steps: [{name: 信息变更审核, role: hq_reviewer}]
        proof: required                          # required | optional | none
        proof_label: 变更证明材料
      branch_join:                               # 加入分支机构: reviewed by the branch asked
        steps: [{name: 分支机构审核, role: branch_admin, branch_routed: true}]
      contacts:
        roles: [第一联络员, 第二联络员]
        unique_roles: true                       # each role held once
        min_items: 1
        max_items: 2
        fields: [department, position, mobile, email]   # asked besides name and role
        required: [mobile]
        login: true                              # a contact's mobile logs in to the unit
        managed_by: member                       # or staff (CACEM: 联络协会管理员)
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
    spec = c.mapping(raw, p, {"sections", "editable", "contacts", "reviewed", "change_review",
                              "branch_join", "labels"})
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
    reviewed = c.listing(spec.get("reviewed"), f"{p}.reviewed")
    for k, key in enumerate(reviewed):
        if key not in known:
            c.fail(f"{p}.reviewed[{k}]", _("must name a field of this type's forms or record"))
        elif key in out["editable"]:
            c.fail(f"{p}.reviewed[{k}]", _("is already changed at once (editable)"))
    out["reviewed"] = [str(k) for k in reviewed]
    # What the record calls a form's field where the form's own words fit only the form
    # (CAQ's sign-up asks for the 用户名, which is the unit's full name: 单位名称).
    labels = c.mapping(spec.get("labels") or {}, f"{p}.labels", set(known))
    if labels:
        out["labels"] = {str(k): c.text(v, f"{p}.labels.{k}", required=True, max_length=40)
                         for k, v in labels.items()}
    if out["reviewed"]:
        out["change_review"] = _review(c, spec.get("change_review"), f"{p}.change_review",
                                       proof=True)
    elif spec.get("change_review") is not None:
        c.fail(f"{p}.change_review", _("needs fields to review (reviewed)"))
    if spec.get("branch_join") is not None:
        out["branch_join"] = _review(c, spec["branch_join"], f"{p}.branch_join", proof=False)
    if spec.get("contacts") is not None:
        out["contacts"] = _contacts(c, spec["contacts"], f"{p}.contacts", entry)
    if any(s.get("contacts") for s in out["sections"]) and "contacts" not in out:
        c.fail(f"{p}.contacts", _("is required when a section shows the contacts"))
    return out


PROOF = ("required", "optional", "none")


def _review(c, raw: Any, p: str, *, proof: bool) -> dict:
    """Who decides a change request (its steps, each a role; a branch administrator's step
    routed to the member's branch, or for 加入分支机构 to the branch asked) and, for changes
    of details, the proof asked for."""
    from tenant_apps.configuration.models import ReviewRole

    allowed = {"steps", "proof", "proof_label", "formats"} if proof else {"steps"}
    spec = c.mapping(raw, p, allowed, required={"steps"})
    steps = []
    for j, raw_step in enumerate(c.listing(spec.get("steps"), f"{p}.steps", required=True)):
        q = f"{p}.steps[{j}]"
        step = c.mapping(raw_step, q, {"name", "role", "branch_routed"},
                         required={"name", "role"})
        role = c.choice(step.get("role"), f"{q}.role", ReviewRole.values)
        routed = c.boolean(step.get("branch_routed"), f"{q}.branch_routed", False)
        if role == ReviewRole.BRANCH_ADMIN and not routed:
            c.fail(f"{q}.branch_routed", _("a branch administrator's step must be routed to "
                                           "a branch"))
        if routed and role != ReviewRole.BRANCH_ADMIN:
            c.fail(f"{q}.branch_routed", _("only a branch administrator's step is routed to "
                                           "a branch"))
        steps.append({"name": c.text(step.get("name"), f"{q}.name", required=True,
                                     max_length=100), "role": role, "branch_routed": routed})
    out: dict[str, Any] = {"steps": steps}
    if proof:
        out["proof"] = c.choice(spec.get("proof", "none"), f"{p}.proof", list(PROOF))
        out["proof_label"] = c.text(spec.get("proof_label"), f"{p}.proof_label",
                                    max_length=60) or ""
        from tenant_apps.files.formats import FORMATS

        formats = [str(f) for f in c.listing(spec.get("formats"), f"{p}.formats")]
        for k, name in enumerate(formats):
            if name not in FORMATS:
                c.fail(f"{p}.formats[{k}]", _("must be one of: %(allowed)s")
                       % {"allowed": ", ".join(FORMATS)})
        out["formats"] = formats or ["pdf", "jpg", "png"]
    return out


def _contacts(c, raw: Any, p: str, entry: dict) -> dict:
    spec = c.mapping(raw, p, {"roles", "unique_roles", "min_items", "max_items", "fields",
                              "required", "login", "from", "managed_by"}, required={"roles"})
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
    # member: the unit adds, edits and removes its contacts (CAQ 联系人管理); staff: only the
    # association's staff do (CACEM: 联络员信息 "联络协会管理员")
    managed_by = c.choice(spec.get("managed_by", "member"), f"{p}.managed_by",
                          ["member", "staff"])
    return {"roles": roles, "unique_roles": unique, "min_items": low, "max_items": high,
            "fields": fields, "required": required, "login": login, "from": source,
            "managed_by": managed_by}


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
    labels = record.get("labels") or {}
    specs = {f["key"]: {**f, "label": labels[f["key"]]} if f["key"] in labels else f
             for f in _form_fields(type_doc)}
    if record.get("sections"):
        sections = [{"title": s["title"], "contacts": bool(s.get("contacts")),
                     "fields": [specs[f] if isinstance(f, str) else f
                                for f in s.get("fields", [])
                                if not isinstance(f, str) or f in specs]}
                    for s in record["sections"]]
        return {"sections": sections, "editable": set(record.get("editable") or ()),
                "reviewed": set(record.get("reviewed") or ()),
                "change_review": record.get("change_review"),
                "branch_join": record.get("branch_join"),
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
    return {"sections": sections, "editable": set(), "reviewed": set(),
            "change_review": None, "branch_join": record.get("branch_join"),
            "contacts": contacts}


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
