"""One row of an import file made into a member, or the reasons it cannot be: cells turned into
answers by the field's type (a date written 2020/1/5, a choice by its label, a province by its
name), then checked by the same checks the forms and the record use
(applications.engine.check_answers, configuration.fieldtypes), the contacts by
records.services.contact_checked. Nothing here writes; `prepare` and `resolve` are run when
the file is checked and again when it is written, so both see the same rows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.configuration.fieldtypes import normalize_choices, regions
from tenant_apps.configuration.models import FieldType
from tenant_apps.imports.targets import Target, header_key, targets_of

_SPLIT = re.compile(r"[、,，;；/|\n]+")
_DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日",
                  "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
MAX_NUMBER = 40  # memberships.Membership.number


@dataclass
class Prepared:
    """A row ready to be written: the record's values, its contacts, the account's details
    and the membership's facts, and what recognises it (keys)."""

    row: int
    values: dict
    contacts: list[dict]
    name: str
    phone: str | None
    email: str | None
    username: str | None
    number: str
    rank_id: int | None
    branch_id: int | None
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    paid_years: list[int]
    given: set[str] = field(default_factory=set)   # membership keys the file gave
    keys: set[tuple[str, str]] = field(default_factory=set)
    existing: int | None = None   # the membership this row is, where one exists


@dataclass
class Context:
    """What every row of one import is checked against, read once."""

    member_type: object
    type_doc: dict
    layout: dict
    document: dict
    targets: list[Target]
    columns: dict[int, Target]            # column index -> target
    headers: list[str]
    ranks: dict[str, int]
    first_rank: int | None
    branches: dict[str, int]
    branch_codes: set[str]
    branch_code_by_name: dict[str, str]
    default_branch: int | None
    name_login: bool
    all_fields: list[dict] = field(default_factory=list)
    # {field key: {header_key(value or label): value}}, read once for every row
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    # (field key, value) -> (cleaned, errors) of check_answers, for the types whose values
    # repeat down a column (choices, regions, dates): each distinct value checked once
    checked: dict[tuple, tuple] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    today: dt.date = field(default_factory=timezone.localdate)


def context_for(member_type, headers: list[str], mapping: dict[str, str]) -> Context:
    """The checking context of an import of `member_type` with `mapping` ({column index as
    text: target key}); AppError (400) for a mapping naming what is not a target, a target
    twice, or leaving out a required field."""
    from tenant_apps.accounts.selectors import accepts_name_login
    from tenant_apps.applications.engine import branch_codes, type_document
    from tenant_apps.configuration.models import Branch
    from tenant_apps.records.layout import layout_of
    from tenant_apps.records.services import _revision_document

    document = _revision_document()
    try:
        type_doc = type_document(document, member_type.code)
    except KeyError:
        raise AppError("unknown_type", _("Choose a member type."), field="member_type") \
            from None
    targets = targets_of(type_doc)
    by_key = {t.key: t for t in targets}
    columns: dict[int, Target] = {}
    for index, key in mapping.items():
        if not key:
            continue
        if key not in by_key or not str(index).isdigit() or int(index) >= len(headers):
            raise AppError("bad_mapping", _("Choose a field from the list for each column."),
                           field="mapping")
        if key in {t.key for t in columns.values()}:
            raise AppError("mapped_twice", _("“%(field)s” is chosen for two columns.")
                           % {"field": by_key[key].label}, field="mapping")
        columns[int(index)] = by_key[key]
    missing = [t.label for t in targets if t.required and t not in columns.values()]
    if missing:
        raise AppError("required_unmapped", _("No column is chosen for these required "
                                              "fields: %(fields)s.")
                       % {"fields": "、".join(missing)}, field="mapping")
    ranks: dict[str, int] = {}
    first_rank = None
    for rank in member_type.ranks.all():
        first_rank = first_rank or rank.pk
        ranks[header_key(rank.code)] = rank.pk
        ranks[header_key(rank.name)] = rank.pk
    branches: dict[str, int] = {}
    by_name: dict[str, str] = {}
    default_branch = None
    for branch in Branch.objects.filter(active=True):
        branches[header_key(branch.code)] = branch.pk
        branches[header_key(branch.name)] = branch.pk
        by_name[header_key(branch.name)] = branch.code
        by_name[header_key(branch.code)] = branch.code
        if branch.kind == "hq" and branch.parent_id is None and default_branch is None:
            default_branch = branch.pk
    return Context(member_type=member_type, type_doc=type_doc, layout=layout_of(type_doc),
                   document=document, targets=targets, columns=columns, headers=headers,
                   ranks=ranks, first_rank=first_rank, branches=branches,
                   branch_codes=branch_codes(document), branch_code_by_name=by_name,
                   default_branch=default_branch, name_login=accepts_name_login(),
                   all_fields=_all_fields(type_doc), statuses=_statuses())


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    return _parse_date_slow(text)


def _parse_date_slow(text: str) -> dt.date | None:
    for pattern in _DATE_PATTERNS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _choice(spec: dict, text: str, ctx: Context) -> str:
    if spec.get("choices_from") == "branches":
        return ctx.branch_code_by_name.get(header_key(text), text)
    known = ctx.choices.get(spec["key"])
    if known is None:
        known = ctx.choices[spec["key"]] = {}
        for choice in normalize_choices(spec.get("choices", [])):
            known.setdefault(header_key(choice["label"]), choice["value"])
            known[header_key(choice["value"])] = choice["value"]
    return known.get(header_key(text), text)


@lru_cache(maxsize=5000)
def _region_cached(text: str) -> tuple[str, str]:
    found = _region(text)
    return found["province"], found["city"]


def _region(text: str):
    """"江苏省 南京市", "江苏省南京市", "江苏省/南京市", or the codes."""
    compact = header_key(text)
    for code, province in regions().items():
        name = header_key(province["name"])
        short = re.sub(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$", "",
                       name)
        for start in (code, name, short):
            if start and compact.startswith(start):
                rest = compact[len(start):]
                if rest in ("", name, short):   # 北京市 北京市: a city-province alone
                    return {"province": code, "city": ""}
                for city_code, city in province["cities"].items():
                    if rest in (city_code, header_key(city)) or \
                            header_key(city).startswith(rest):
                        return {"province": code, "city": city_code}
                return {"province": code, "city": rest}
    return {"province": text, "city": ""}


def answer_of(spec: dict, text: str, ctx: Context):
    """A cell's text as the answer its field takes (checked afterwards by the field's own
    check); text that does not parse is passed on, for that check to refuse."""
    kind = spec["type"]
    if kind == FieldType.DATE:
        day = parse_date(text)
        return day.isoformat() if day else text
    if kind == FieldType.CHOICE:
        return _choice(spec, text, ctx)
    if kind == FieldType.MULTICHOICE:
        return [_choice(spec, part.strip(), ctx) for part in _SPLIT.split(text) if part.strip()]
    if kind == FieldType.REGION:
        province, city = _region_cached(text)
        return {"province": province, "city": city}
    return text


def paid_years(text: str, today: dt.date) -> list[int] | None:
    """"2021,2022,2023", "2021-2023", "2021年、2023年" -> sorted years; None when unreadable."""
    years: set[int] = set()
    for part in _SPLIT.split(text.replace("年", "")):
        part = part.strip()
        if not part:
            continue
        span = re.fullmatch(r"(\d{4})\s*(?:-|~|至|到|—)\s*(\d{4})", part)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            if high < low or high - low > 100:
                return None
            years.update(range(low, high + 1))
        elif re.fullmatch(r"\d{4}", part):
            years.add(int(part))
        else:
            return None
    if any(y < 1900 or y > today.year + 10 for y in years):
        return None
    return sorted(years)


def _statuses() -> dict[str, str]:
    from tenant_apps.memberships.models import Membership

    out = {}
    for status in Membership.Status:
        out[header_key(status.value)] = status.value
        out[header_key(str(status.label))] = status.value
    out[header_key("正常")] = Membership.Status.ACTIVE
    out[header_key("正式会员")] = Membership.Status.ACTIVE
    out[header_key("欠费")] = Membership.Status.OVERDUE
    return out


def prepare(ctx: Context, row: int, cells: list[str]) -> tuple[Prepared | None, list]:
    """(the row as a member, []) or (None, [(column label, message), ...])."""
    from tenant_apps.accounts.services import normalize_email, normalize_phone
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.validity import validity_end
    from tenant_apps.records.layout import contacts_from_answers, record_values_from_answers

    errors: list[tuple[str, str]] = []
    answers: dict = {}
    items: dict[int, dict] = {}
    facts: dict[str, tuple[str, str]] = {}   # membership key -> (text, column label)
    field_columns: dict[str, str] = {}
    for index, target in ctx.columns.items():
        text = cells[index].strip() if index < len(cells) else ""
        label = ctx.headers[index] or target.label
        if target.key.startswith("field:"):
            key = target.key[6:]
            field_columns[key] = label
            if text:
                answers[key] = answer_of(target.spec, text, ctx)
        elif target.key.startswith("group:"):
            _g, n, sub = target.key.split(":", 2)
            field_columns[f"{n}.{sub}"] = label
            if text:
                items.setdefault(int(n), {})[sub] = answer_of(target.spec, text, ctx)
        elif text:
            facts[target.key] = (text, label)
    group = ((ctx.layout.get("contacts") or {}).get("from") or {}).get("group")
    fields = [t.spec for t in ctx.targets if t.key.startswith("field:")]
    group_spec = None
    if group:
        group_spec = next((f for f in ctx.all_fields if f["key"] == group), None)
        if group_spec:
            # the n-th contact's columns are the n-th item: its role is the n-th item role
            answers[group] = [items.get(n, {}) for n in range(max(items, default=-1) + 1)]
            fields = [*fields, group_spec]
    required_keys = {t.key[6:] for t in ctx.targets if t.key.startswith("field:")
                     and t.required}
    checked_fields = [dict(f, required=f["key"] in required_keys) if f is not group_spec
                      else f for f in fields]
    cleaned, problems = _checked_answers(ctx, checked_fields, answers)
    for path, message in problems.items():
        parts = path.split(".")
        if len(parts) == 3:      # group.n.sub
            column = field_columns.get(f"{parts[1]}.{parts[2]}", path)
        elif parts[0] == group:
            column = _("Contacts")
        else:
            column = field_columns.get(parts[0]) or next(
                (t.label for t in ctx.targets if t.key == f"field:{parts[0]}"), parts[0])
        errors.append((column, message))
    # the membership's own facts
    number = facts.get("number", ("", ""))[0]
    if len(number) > MAX_NUMBER:
        errors.append((facts["number"][1], _("At most %(n)d characters.") % {"n": MAX_NUMBER}))
    if "type" in facts:
        text, column = facts["type"]
        if header_key(text) not in (header_key(ctx.member_type.code),
                                    header_key(ctx.member_type.name)):
            errors.append((column, _("This row is of another member type (%(type)s): import "
                                     "each type on its own.") % {"type": text}))
    rank_id = ctx.first_rank
    if "rank" in facts:
        text, column = facts["rank"]
        rank_id = ctx.ranks.get(header_key(text))
        if rank_id is None:
            errors.append((column, _("Unknown rank “%(value)s”.") % {"value": text}))
    branch_id = ctx.default_branch
    if "branch" in facts:
        text, column = facts["branch"]
        branch_id = ctx.branches.get(header_key(text))
        if branch_id is None:
            errors.append((column, _("Unknown branch “%(value)s”.") % {"value": text}))
    dates: dict[str, dt.date | None] = {}
    for key in ("valid_from", "valid_until"):
        dates[key] = None
        if key in facts:
            text, column = facts[key]
            dates[key] = parse_date(text)
            if dates[key] is None:
                errors.append((column, _("Enter a date as YYYY-MM-DD.")))
    status = Membership.Status.ACTIVE
    if "status" in facts:
        text, column = facts["status"]
        status = ctx.statuses.get(header_key(text))
        if status is None:
            errors.append((column, _("Unknown status “%(value)s”.") % {"value": text}))
    years: list[int] = []
    if "paid_years" in facts:
        text, column = facts["paid_years"]
        parsed = paid_years(text, ctx.today)
        if parsed is None:
            errors.append((column, _("Write the paid years as 2023,2024 or 2023-2025.")))
        else:
            years = parsed
    if dates["valid_from"] and dates["valid_until"] and \
            dates["valid_until"] < dates["valid_from"]:
        errors.append((facts["valid_until"][1], _("The end of validity is before the day "
                                                  "of joining.")))
    # contacts, as the approval makes them from an application's answers
    contacts = []
    contact_spec = ctx.layout.get("contacts")
    if not errors and contact_spec:
        from tenant_apps.records.services import contact_checked

        for contact in contacts_from_answers(contact_spec, cleaned):
            try:
                contacts.append(contact_checked(contact_spec, contact))
            except AppError as exc:
                errors.append((_("Contacts"), f"{contact.get('name', '')}: {exc.message}"))
    if errors:
        return None, errors
    type_doc = ctx.type_doc
    account = {}
    for spec in ctx.all_fields:
        if spec.get("from_account") and cleaned.get(spec["key"]):
            account[spec["from_account"]] = cleaned[spec["key"]]
    from tenant_apps.applications.engine import unit_name_in

    name = (unit_name_in(type_doc, cleaned) if type_doc.get("kind") == "unit" else "") \
        or account.get("name") or (contacts[0]["name"] if contacts else "")
    if not name:
        errors.append((_("Name"), _("The row names no member (no name).")))
        return None, errors
    valid_from = dates["valid_from"] or (dt.date(years[0], 1, 1) if years else ctx.today)
    valid_until = dates["valid_until"]
    if valid_until is None:
        valid_until = validity_end(ctx.member_type, start=dt.date(years[-1], 1, 1)
                                   if years else valid_from, years=1, answers=cleaned)
    phone = normalize_phone(account["phone"]) if account.get("phone") else None
    from tenant_apps.configuration.fieldtypes import is_mobile

    if phone and not is_mobile(phone):
        phone = None
    prepared = Prepared(
        row=row, values=record_values_from_answers(ctx.layout, cleaned), contacts=contacts,
        name=str(name)[:100], phone=phone,
        email=normalize_email(account["email"]) if account.get("email") else None,
        username=str(name)[:150] if ctx.name_login and account.get("name") else None,
        number=number, rank_id=rank_id, branch_id=branch_id, valid_from=valid_from,
        valid_until=valid_until, status=status, paid_years=years, given=set(facts))
    prepared.keys = _keys(ctx, prepared)
    if not prepared.keys:
        return None, [(_("Member number"), _("Nothing recognises this member: give a member "
                                             "number, a mobile number or a credit code."))]
    return prepared, []


REPEATING = {FieldType.CHOICE, FieldType.MULTICHOICE, FieldType.REGION, FieldType.DATE}


def _checked_answers(ctx: Context, fields: list[dict], answers: dict) -> tuple[dict, dict]:
    """applications.engine.check_answers over the row's answers (the forms' and the record's
    one check), each distinct value of a repeating column checked once per import."""
    from tenant_apps.applications.engine import check_answers

    rest = []
    cleaned: dict = {}
    problems: dict = {}
    for spec in fields:
        value = answers.get(spec["key"])
        if spec["type"] not in REPEATING or value in (None, "", []):
            rest.append(spec)
            continue
        frozen = tuple(value) if isinstance(value, list) else \
            tuple(sorted(value.items())) if isinstance(value, dict) else value
        memo = (spec["key"], bool(spec.get("required")), frozen)
        if memo not in ctx.checked:
            ctx.checked[memo] = check_answers([spec], {spec["key"]: value},
                                              branches=ctx.branch_codes, require=True)
        one_clean, one_problems = ctx.checked[memo]
        cleaned.update(one_clean)
        problems.update(one_problems)
    more_clean, more_problems = check_answers(rest, answers, branches=ctx.branch_codes,
                                              require=True)
    cleaned.update(more_clean)
    problems.update(more_problems)
    return cleaned, problems


def _all_fields(type_doc: dict) -> list[dict]:
    from tenant_apps.imports.targets import form_fields
    from tenant_apps.records.layout import layout_of

    record_only = [f for s in layout_of(type_doc)["sections"] for f in s["fields"]]
    seen, out = set(), []
    for spec in [*form_fields(type_doc), *record_only]:
        if spec["key"] not in seen:
            seen.add(spec["key"])
            out.append(spec)
    return out


def key_label(kind: str) -> str:
    return {"number": _("member number"), "phone": _("mobile number"), "email": _("email"),
            "uscc": _("credit code"), "cn_id": _("ID number"), "name": _("member name")}[kind]


def _keys(ctx: Context, p: Prepared) -> set[tuple[str, str]]:
    """What recognises the member in the file and among existing members: its number, its
    mobiles (the account's, its contacts'), its credit code or ID number, and its name where
    the association logs members in by name (CAQ)."""
    keys: set[tuple[str, str]] = set()
    if p.number:
        keys.add(("number", p.number.upper()))
    if p.phone:
        keys.add(("phone", p.phone))
    if p.email:
        keys.add(("email", p.email))
    for contact in p.contacts:
        if contact.get("mobile"):
            keys.add(("phone", contact["mobile"]))
    for spec in ctx.all_fields:
        value = p.values.get(spec["key"])
        if spec["type"] in (FieldType.USCC, FieldType.CN_ID) and value:
            keys.add((spec["type"], f"{spec['key']}:{value}"))
    if ctx.name_login and p.username:
        keys.add(("name", p.name))
    return keys


def resolve(ctx: Context, prepared: list[Prepared], errors: list[dict]) -> list[Prepared]:
    """Rows that repeat an earlier row of the file (same number, mobile, credit code…) are
    refused, naming the earlier row; the others are matched to existing members by the same
    keys (`existing`), in a few queries whatever the size. A row matching two different
    members, or whose mobile belongs to another member, is refused. Returns the rows kept."""
    first: dict[tuple[str, str], int] = {}
    kept: list[Prepared] = []
    for p in prepared:
        repeated = next(((k, first[k]) for k in sorted(p.keys) if k in first), None)
        if repeated:
            (kind, _value), row = repeated
            errors.append({"row": p.row, "column": "", "message": _(
                "Repeats row %(row)d of this file (the same %(what)s).")
                % {"row": row, "what": key_label(kind)}})
            continue
        for k in p.keys:
            first[k] = p.row
        kept.append(p)
    owners = existing_owners({k for p in kept for k in p.keys})
    out = []
    for p in kept:
        found = {owners[k] for k in p.keys if k in owners}
        memberships = {m for m, _user in found if m is not None}
        if len(memberships) > 1 or (found and not memberships):
            errors.append({"row": p.row, "column": "", "message": _(
                "This row matches more than one existing account (by its number, mobile or "
                "credit code): correct it, or change those members by hand.")})
            continue
        p.existing = next(iter(memberships), None)
        out.append(p)
    return out


CHUNK = 20_000
# Who already has a key (the tables of accounts, memberships, records in the association's
# schema); each list one array parameter.
NUMBER_SQL = ("SELECT upper(m.number), m.id, m.user_id FROM memberships_membership m "
              "WHERE m.number = ANY(%s)")  # numbers are kept in upper case
PHONE_SQL = ("SELECT u.phone, m.id, u.id FROM accounts_user u LEFT JOIN "
             "memberships_membership m ON m.user_id = u.id WHERE u.phone = ANY(%s)")
EMAIL_SQL = ("SELECT u.email, m.id, u.id FROM accounts_user u LEFT JOIN "
             "memberships_membership m ON m.user_id = u.id WHERE u.email = ANY(%s)")
NAME_SQL = ("SELECT u.name, m.id, u.id FROM accounts_user u LEFT JOIN "
            "memberships_membership m ON m.user_id = u.id "
            "WHERE u.name = ANY(%s) OR u.username = ANY(%s)")
MOBILE_SQL = ("SELECT c.mobile, r.membership_id, m.user_id FROM records_contact c "
              "JOIN records_memberrecord r ON r.id = c.record_id "
              "JOIN memberships_membership m ON m.id = r.membership_id "
              "WHERE c.mobile = ANY(%s)")
VALUE_SQL = ("SELECT r.values ->> %s, r.membership_id, m.user_id FROM records_memberrecord r "
             "JOIN memberships_membership m ON m.id = r.membership_id "
             "WHERE r.values ->> %s = ANY(%s)")
# A sealed value (an ID number: huiji.sealed) is found by its blind index, never read.
SEALED_VALUE_SQL = ("SELECT r.values -> %s ->> '$bi', r.membership_id, m.user_id "
                    "FROM records_memberrecord r "
                    "JOIN memberships_membership m ON m.id = r.membership_id "
                    "WHERE r.values -> %s ->> '$bi' = ANY(%s)")


def existing_owners(keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """{key: (membership id or None, user id)} of the accounts and members that already have
    a key: numbers, account phones and contacts' mobiles, e-mails, credit codes and ID
    numbers in the records, names of accounts (where names log in). One statement per kind
    and CHUNK keys, each list passed as one array parameter (= ANY)."""
    out: dict[tuple[str, str], tuple] = {}
    if len(keys) > CHUNK:     # a few statements of CHUNK keys rather than one huge one
        items = sorted(keys)
        for start in range(0, len(items), CHUNK):
            out.update(existing_owners(set(items[start:start + CHUNK])))
        return out
    by_kind: dict[str, set[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, set()).add(value)
    queries: list[tuple[str, str, list, dict | None]] = []
    if by_kind.get("number"):
        queries.append(("number", NUMBER_SQL, [sorted(by_kind["number"])], None))
    if by_kind.get("phone"):
        phones = sorted(by_kind["phone"])
        queries.append(("phone", PHONE_SQL, [phones], None))
        queries.append(("phone", MOBILE_SQL, [phones], None))
    if by_kind.get("email"):
        queries.append(("email", EMAIL_SQL, [sorted(by_kind["email"])], None))
    if by_kind.get("name"):
        names = sorted(by_kind["name"])
        queries.append(("name", NAME_SQL, [names, names], None))
    from huiji.sealed import index_of, sensitive_keys

    sealed = sensitive_keys()
    for kind in ("uscc", "cn_id"):
        by_field: dict[str, set[str]] = {}
        for item in by_kind.get(kind) or ():
            key, value = item.split(":", 1)
            by_field.setdefault(key, set()).add(value)
        for key, values in sorted(by_field.items()):
            if key in sealed:
                digests = {d: v for v in values for d in index_of(v)}
                queries.append((f"{kind}:{key}", SEALED_VALUE_SQL,
                                [key, key, sorted(digests)], digests))
            else:
                queries.append((f"{kind}:{key}", VALUE_SQL, [key, key, sorted(values)],
                                None))
    from django.db import connection

    with connection.cursor() as cursor:
        for kind, sql, params, digests in queries:
            cursor.execute(sql, params)
            for value, membership_id, user_id in cursor.fetchall():
                if digests is not None:
                    value = digests[value]
                found = (kind.split(":")[0], f"{kind.split(':', 1)[1]}:{value}"
                         if ":" in kind else value)
                out.setdefault(found, (membership_id, user_id))
    return out


# --- the checked rows, kept between the check and the writing --------------------------------

def dump_rows(rows: list[Prepared]) -> bytes:
    import gzip
    import json

    def plain(p: Prepared) -> dict:
        return {**{k: getattr(p, k) for k in (
            "row", "values", "contacts", "name", "phone", "email", "username", "number",
            "rank_id", "branch_id", "status", "paid_years")},
            "valid_from": p.valid_from.isoformat(),
            "valid_until": p.valid_until.isoformat() if p.valid_until else None,
            "given": sorted(p.given), "keys": sorted(p.keys)}

    from huiji.crypto import seal_bytes

    # sealed: the rows hold ID numbers (values, duplicate keys) between check and writing
    return seal_bytes(gzip.compress(json.dumps([plain(p) for p in rows], ensure_ascii=False)
                                    .encode(), compresslevel=3))


def load_rows(content: bytes) -> list[Prepared]:
    import gzip
    import json

    from huiji.crypto import unseal_bytes

    if not content.startswith(b"\x1f\x8b"):  # gzip as such: checked before sealing existed
        content = unseal_bytes(content)
    out = []
    for item in json.loads(gzip.decompress(content)):
        item["valid_from"] = dt.date.fromisoformat(item["valid_from"])
        item["valid_until"] = dt.date.fromisoformat(item["valid_until"]) \
            if item["valid_until"] else None
        item["given"] = set(item["given"])
        item["keys"] = {tuple(k) for k in item["keys"]}
        out.append(Prepared(**item))
    return out
