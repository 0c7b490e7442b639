"""The roster's columns and the profile's `roster` block (docs/roster.md).

A column is a code from COLUMNS, optionally with the association's own heading
(`{column: name, label: 单位名称}`). `name` always comes first. The liaison columns are
personal information: each is published only for members who ticked it in their consent;
the others come with being listed at all (which itself needs consent)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

COLUMNS = {
    "name": gettext_lazy("Name"),
    "type": gettext_lazy("Member type"),
    "rank": gettext_lazy("Member level"),
    "region": gettext_lazy("Province and city"),
    "liaison_name": gettext_lazy("Liaison"),
    "liaison_phone": gettext_lazy("Liaison phone"),
    "liaison_email": gettext_lazy("Liaison e-mail"),
}
PERSONAL = ("liaison_name", "liaison_phone", "liaison_email")
PHONE_DISPLAY = ("masked", "full")
DEFAULT = {"enabled": False, "columns": [], "phone": "masked", "member_types": [],
           "consent_text": ""}


def roster_checked(c, raw: Any, member_types: list[dict]) -> dict:
    """The profile's `roster` block normalised; problems recorded on the checker `c`
    (configuration.profile._Checker) with their exact paths."""
    if raw is None:
        return dict(DEFAULT)
    roster = c.mapping(raw, "roster", {"enabled", "columns", "phone", "member_types",
                                       "consent_text"})
    out = {"enabled": c.boolean(roster.get("enabled"), "roster.enabled", False),
           "phone": c.choice(roster.get("phone"), "roster.phone", PHONE_DISPLAY,
                             default="masked"),
           "consent_text": c.text(roster.get("consent_text"), "roster.consent_text",
                                  max_length=2000)}
    columns: list = []
    seen: set[str] = set()
    for i, item in enumerate(c.listing(roster.get("columns"), "roster.columns")):
        q = f"roster.columns[{i}]"
        label = ""
        if isinstance(item, dict):
            item = c.mapping(item, q, {"column", "label"}, required={"column"})
            label = c.text(item.get("label"), f"{q}.label", max_length=40)
            code = item.get("column")
            q = f"{q}.column"
        else:
            code = item
        code = c.choice(code, q, COLUMNS)
        if code in seen:
            c.fail(q, _("repeats the column %(code)s") % {"code": code})
        seen.add(code)
        if code:
            columns.append({"column": code, "label": label} if label else code)
    if out["enabled"]:
        if not columns:
            c.fail("roster.columns", _("must not be empty"))
        elif column_code(columns[0]) != "name":
            c.fail("roster.columns[0]", _("must be the column name"))
        if not out["consent_text"]:
            c.fail("roster.consent_text", _("is required"))
    out["columns"] = columns
    known = {t["code"]: t for t in member_types}
    listed = []
    for i, code in enumerate(c.listing(roster.get("member_types"), "roster.member_types")):
        if code not in known:
            c.fail(f"roster.member_types[{i}]", _("names no member type of this file"))
        else:
            listed.append(code)
    out["member_types"] = listed
    if seen & set(PERSONAL):
        from tenant_apps.configuration.profile import contact_groups

        types = [known[code] for code in listed] if listed else member_types
        if not any(contact_groups(t) for t in types):
            c.fail("roster.columns", _("names liaison columns, but no member type listed has "
                                       "a contacts group"))
    return out


def column_code(item) -> str:
    return item["column"] if isinstance(item, dict) else item


def column_label(item) -> str:
    if isinstance(item, dict) and item.get("label"):
        return item["label"]
    return str(COLUMNS[column_code(item)])
