"""What a column of an import can be: the member type's fields (by the labels its profile gives
them, as the record and the export show them), its contacts' details, and the membership's own
facts (number, rank, branch, dates, status, paid years).

Columns are recognised by their header label, never by position: a saved mapping of this type
first (the header as written last time), then the profile's label of a field, then a few
common other names (会员编号 for 会员号). So a file exported by the product itself (Chinese
header labels from the same profile) maps itself, and so does last month's file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext as _

from tenant_apps.configuration.models import FieldType

# Field types a cell can hold (an image is a file; a group is the contacts, mapped per item).
CELL_TYPES = {FieldType.TEXT, FieldType.TEXTAREA, FieldType.RICHTEXT, FieldType.DATE,
              FieldType.NUMBER, FieldType.CHOICE, FieldType.MULTICHOICE, FieldType.REGION,
              FieldType.PHONE, FieldType.EMAIL, FieldType.CN_ID, FieldType.USCC,
              FieldType.POSTCODE, FieldType.URL}
# The membership's own columns: key -> other names they go by in associations' files.
MEMBERSHIP_ALIASES = {
    "number": ("会员号", "会员编号", "会员证号", "会员证编号", "编号", "member number"),
    "type": ("会员类型", "会员类别", "类型", "member type"),
    "rank": ("会员级别", "级别", "会员等级", "等级", "rank"),
    "branch": ("所属分支机构", "分支机构", "所属分会", "分会", "branch"),
    "valid_from": ("入会时间", "入会日期", "加入时间", "入会年月", "joined", "valid from"),
    "valid_until": ("有效期至", "会籍有效期", "有效期", "到期日期", "到期时间", "截止日期",
                    "valid until"),
    "status": ("会员状态", "状态", "status"),
    "paid_years": ("已缴费年度", "缴费年度", "交费年度", "已交费年度", "已缴年度",
                   "paid years"),
}


def membership_labels() -> dict[str, str]:
    return {"number": _("Member number"), "type": _("Member type"), "rank": _("Rank"),
            "branch": _("Branch"), "valid_from": _("Joined on"),
            "valid_until": _("Valid until"), "status": _("Status"),
            "paid_years": _("Paid years")}


@dataclass(frozen=True)
class Target:
    key: str            # field:<key>, group:<n>:<sub key>, or a membership key (number, ...)
    label: str
    required: bool = False
    spec: dict | None = None
    aliases: tuple[str, ...] = field(default=())


@lru_cache(maxsize=20000)
def header_key(text: str) -> str:
    """A header as compared: NFKC, no spaces, no required-marks or colons, case-folded."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*:：（）()]", "", text).casefold()


def form_fields(type_doc: dict) -> list[dict]:
    return [f for form in ("registration_form", "application_form")
            for step in (type_doc.get(form) or {}).get("steps", []) for f in step["fields"]]


def optional_in_import(spec: dict, type_doc: dict) -> bool:
    """The signing-up account's own details (经办人 name, phone, e-mail: `from_account`) are
    not asked of a member who never signed up, except the name that names the member (a
    unit's receipt title, an individual's name)."""
    source = spec.get("from_account")
    if not source:
        return False
    names_member = source == "name" and (spec.get("receipt") == "title"
                                         or type_doc.get("kind") != "unit")
    return not names_member


def targets_of(type_doc: dict) -> list[Target]:
    """Every column an import of this member type can fill, in the order the page lists
    them: the record's fields, the contacts (each contact's details, by role), then the
    membership's own."""
    from tenant_apps.records.layout import layout_of

    layout = layout_of(type_doc)
    labels = (type_doc.get("record") or {}).get("labels") or {}
    group_key = ((layout.get("contacts") or {}).get("from") or {}).get("group")
    out: list[Target] = []
    seen: set[str] = set()
    record_only = [f for s in layout["sections"] for f in s["fields"]]
    for spec in [*form_fields(type_doc), *record_only]:
        if spec["key"] in seen:
            continue
        seen.add(spec["key"])
        if spec["type"] == FieldType.GROUP and spec["key"] == group_key:
            roles = spec.get("item_roles") or []
            for n in range(spec.get("max_items") or 1):
                role = roles[n] if n < len(roles) else f"{spec['label']}{n + 1}"
                for sub in spec.get("fields", []):
                    if sub["type"] not in CELL_TYPES:
                        continue
                    out.append(Target(
                        f"group:{n}:{sub['key']}", f"{role}{sub['label']}",
                        required=bool(sub.get("required")) and n < (spec.get("min_items")
                                                                      or 0),
                        spec=sub))
            continue
        if spec["type"] not in CELL_TYPES:
            continue
        label = labels.get(spec["key"]) or spec["label"]
        aliases = (spec["label"],) if label != spec["label"] else ()
        out.append(Target(f"field:{spec['key']}", label,
                          required=bool(spec.get("required"))
                          and not optional_in_import(spec, type_doc),
                          spec=spec, aliases=aliases))
    shown = membership_labels()
    for key, aliases in MEMBERSHIP_ALIASES.items():
        out.append(Target(key, shown[key], aliases=aliases))
    return _distinct_labels(out, type_doc)


def _distinct_labels(targets: list[Target], type_doc: dict) -> list[Target]:
    """Two fields of one type may carry the same label (CAQ: the unit's 电子邮箱 and its
    contact's): the later ones are named with their form step, 电子邮箱（联系人信息）, so each
    column names one field."""
    steps = {f["key"]: step["title"] for form in ("registration_form", "application_form")
             for step in (type_doc.get(form) or {}).get("steps", []) for f in step["fields"]}
    seen: set[str] = set()
    out = []
    for t in targets:
        key = header_key(t.label)
        if key in seen and t.key.startswith("field:") and steps.get(t.key[6:]):
            t = Target(t.key, f"{t.label}（{steps[t.key[6:]]}）", required=t.required,
                       spec=t.spec, aliases=t.aliases)
        seen.add(header_key(t.label))
        out.append(t)
    return out


def auto_mapping(headers: list[str], targets: list[Target],
                 saved: dict[str, str] | None = None) -> dict[str, str]:
    """{column index as text: target key} for the headers that name a target: as the saved
    mapping had them, else by the target's label, else by another name it goes by. Each
    target is taken once, by the first column naming it."""
    by_key = {t.key: t for t in targets}
    saved = {header_key(h): k for h, k in (saved or {}).items() if k in by_key}
    labels: dict[str, str] = {}
    for t in targets:
        labels.setdefault(header_key(t.label), t.key)
    aliases: dict[str, str] = {}
    for t in targets:
        for alias in t.aliases:
            aliases.setdefault(header_key(alias), t.key)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        target = saved.get(key) or labels.get(key) or aliases.get(key)
        if target and target not in taken:
            mapping[str(index)] = target
            taken.add(target)
    return mapping
