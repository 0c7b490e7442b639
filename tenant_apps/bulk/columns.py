"""The export's column catalogue: what a staff member may choose, each with its Chinese
header. The member import (branch `import`) recognises the same headers, so that importing
the product's own export gives back the same members; docs/bulk.md lists them.

Two kinds of column:
- the membership's own (`COLUMNS`): member number, name, type, rank, status, branch, joined,
  valid until, the account's phone and e-mail, contacts;
- every field of the member record (`field:<key>`), headed by the label the profile gives it
  (the record's `labels:` first, else the form's), in the order the record shows them.

Values are shown as the member page shows them, masked by the one masking rule
(`records.selectors.masked_display`: ID numbers always, phones unless the viewer manages
members).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

SKIPPED_TYPES = {"group", "image", "file", "richtext", "notice"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    spec: dict | None = None  # a record field's spec


COLUMNS = (
    ("number", pgettext_lazy("export column", "Member number")),
    ("name", pgettext_lazy("export column", "Member name")),
    ("type", pgettext_lazy("export column", "Member type")),
    ("rank", pgettext_lazy("export column", "Member rank")),
    ("status", pgettext_lazy("export column", "Membership status")),
    ("branch", pgettext_lazy("export column", "Branch")),
    ("joined", pgettext_lazy("export column", "Joined on")),
    ("valid_until", pgettext_lazy("export column", "Valid until")),
    ("phone", pgettext_lazy("export column", "Login mobile")),
    ("email", pgettext_lazy("export column", "Login e-mail")),
    ("contacts", pgettext_lazy("export column", "Contacts")),
    ("paid_years", pgettext_lazy("export column", "Paid years")),
)
DEFAULT = ("number", "name", "type", "status", "branch", "joined", "valid_until")


def catalogue(document: dict) -> list[Column]:
    """Every column that may be chosen, in order: the membership's, then each record field
    once (by key, the first member type's label), then the fields the forms asked that the
    record does not show, and each contact's details by role (`contact:<n>:<part>`, headed
    第一联络员姓名 …). Fields and contacts are headed exactly as the member import names its
    columns (`imports.targets.targets_of`), so an export with every column imports back."""
    from tenant_apps.imports.targets import targets_of
    from tenant_apps.records.layout import layout_of

    out = [Column(key, str(label)) for key, label in COLUMNS]
    seen: set[str] = set()
    for mtype in document.get("member_types", []):
        for section in layout_of(mtype)["sections"]:
            for spec in section["fields"]:
                if spec["type"] in SKIPPED_TYPES or spec["key"] in seen:
                    continue
                seen.add(spec["key"])
                out.append(Column(f"field:{spec['key']}", str(spec["label"]), spec))
    for mtype in document.get("member_types", []):
        source = ((layout_of(mtype).get("contacts") or {}).get("from") or {})
        part_of = {sub: part for part, sub in source.items() if part != "group"}
        for target in targets_of(mtype):
            if target.key.startswith("field:") and target.spec \
                    and target.spec["type"] not in SKIPPED_TYPES \
                    and target.spec["key"] not in seen:
                seen.add(target.spec["key"])
                out.append(Column(target.key, str(target.label), target.spec))
            elif target.key.startswith("group:"):
                _group, n, sub = target.key.split(":", 2)
                key = f"contact:{n}:{part_of.get(sub, sub)}"
                if part_of.get(sub) and key not in seen:
                    seen.add(key)
                    out.append(Column(key, str(target.label)))
    return out


def everything(document: dict) -> list[str]:
    """The keys of every column but the membership's summary ones a re-import does not read
    (name, login, the contacts in one cell): what 全部列（可再导入） ticks."""
    return [c.key for c in catalogue(document)
            if c.key not in ("name", "phone", "email", "contacts")]


def chosen(document: dict, keys: list[str]) -> list[Column]:
    """The catalogue's columns named by `keys`, in the catalogue's order; unknown keys are
    left out."""
    wanted = set(keys)
    return [c for c in catalogue(document) if c.key in wanted]
