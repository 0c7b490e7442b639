"""Reads of the roster (docs/roster.md).

`roster_page(params)` is the public list: the member directory's search rows
(`directory.DirectoryEntry`, no copy of the data) of members in force who consented, searched
by the beginning of the name, its pinyin or initials, filtered by type (and rank) and region
when those columns are published, a page at a time, in a fixed number of queries. Only the
association's columns are read out, and a liaison's details only where the member ticked
them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import F
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.roster.columns import DEFAULT, PERSONAL, column_code, column_label
from tenant_apps.roster.models import RosterConsent, RosterSettings

PAGE_SIZE = 20
MAX_QUERY = 50
_ASCII = re.compile(r"^[0-9A-Za-z]+$")


def roster_settings() -> RosterSettings:
    """The association's settings; off (unsaved) before any profile named a roster."""
    return RosterSettings.objects.first() or RosterSettings(enabled=False)


def roster_enabled(request=None) -> bool:
    """Whether the roster is published (configuration/switches.py: once per request)."""
    from tenant_apps.configuration.switches import feature_switches

    return feature_switches(request).roster


def roster_exported() -> dict:
    row = RosterSettings.objects.first()
    if row is None:
        return dict(DEFAULT)
    return {"enabled": row.enabled, "columns": list(row.columns), "phone": row.phone,
            "member_types": list(row.member_types), "consent_text": row.consent_text}


def offered_fields(settings: RosterSettings) -> list[dict]:
    """The personal columns a member may tick, as {code, label}, in the association's order."""
    return [{"code": column_code(c), "label": column_label(c)} for c in settings.columns
            if column_code(c) in PERSONAL]


def listed_columns(settings: RosterSettings) -> list[dict]:
    """The columns shown with being listed (no tick of their own): their labels."""
    return [{"code": column_code(c), "label": column_label(c)} for c in settings.columns
            if column_code(c) not in PERSONAL]


def consent_of(user) -> RosterConsent | None:
    return RosterConsent.objects.filter(user=user).first()


@dataclass
class RosterPage:
    columns: list[dict]
    rows: list[dict]
    total: int
    page: int
    pages: int
    params: dict
    type_choices: list[dict] = field(default_factory=list)
    region_choices: list[dict] = field(default_factory=list)
    type_label: str = ""  # the type filter's label: the rank column's heading (会员级别) if shown
    name_label: str = ""  # the search box's label: the name column's heading (单位名称)
    kind: str = ""  # "unit" or "individual" when every listed type is of that kind, else ""


def _types():
    from tenant_apps.configuration.models import MemberType

    return list(MemberType.objects.filter(active=True).prefetch_related("ranks")
                .order_by("position", "id"))


def _type_choices(types, listed: list[str], with_ranks: bool) -> list[dict]:
    out = []
    for t in types:
        if listed and t.code not in listed:
            continue
        ranks = list(t.ranks.all()) if with_ranks else []
        if not ranks or len(types) > 1:
            out.append({"value": t.code, "label": t.name, "type": t, "rank": None})
        for r in ranks:
            label = r.name if len(types) == 1 else f"{t.name} · {r.name}"
            out.append({"value": f"{t.code}.{r.code}", "label": label, "type": t, "rank": r})
    return out


def _region_choices() -> list[dict]:
    from tenant_apps.configuration.fieldtypes import regions

    return [{"value": code, "label": p["name"]} for code, p in regions().items()]


def _cleaned(params, type_choices: list[dict], region_choices: list[dict],
             codes: set[str]) -> dict:
    q = (params.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        raise AppError("roster_q", _("Enter at most %(n)d characters.") % {"n": MAX_QUERY},
                       field="q")
    out = {"q": q, "type": "", "region": "", "page": 1}
    chosen = params.get("type") or ""
    if chosen:
        if ("type" not in codes and "rank" not in codes) \
                or chosen not in {c["value"] for c in type_choices}:
            raise AppError("roster_type", _("Member type: choose one of the options listed."),
                           field="type")
        out["type"] = chosen
    region = params.get("region") or ""
    if region:
        if "region" not in codes or region not in {c["value"] for c in region_choices}:
            raise AppError("roster_region", _("Province: choose one of the options listed."),
                           field="region")
        out["region"] = region
    page = params.get("page") or "1"
    if not str(page).isdigit() or int(page) < 1:
        raise AppError("roster_page", _("The page must be a whole number from 1."),
                       field="page")
    out["page"] = int(page)
    return out


def _name_filter(q: str):
    """A prefix of the name (中建, 北京), or of its pinyin or initials (zhongjian, zj): what
    the directory's indexes answer. Never phones, e-mails, numbers or credit codes: the public
    must not learn whether a given phone belongs to a member."""
    from django.db.models import Q

    if _ASCII.match(q):
        low = q.lower()
        return (Q(name_pinyin__startswith=low) | Q(name_initials__startswith=low)
                | Q(name__startswith=q))
    return Q(name__startswith=q)


def roster_entries(settings: RosterSettings, types=None):
    """The directory rows the roster may show: in force (正式会员, or in the grace period),
    of the listed types, with a consent in force (its personal columns as `consent_fields`)."""
    from tenant_apps.directory.models import DirectoryEntry
    from tenant_apps.memberships.models import Membership

    S = Membership.Status
    entries = DirectoryEntry.objects.filter(
        status__in=[S.ACTIVE, S.OVERDUE],
        membership__user__roster_consent__given_at__isnull=False,
        membership__user__roster_consent__withdrawn_at__isnull=True,
    ).annotate(consent_fields=F("membership__user__roster_consent__fields"))
    if settings.member_types:
        types = _types() if types is None else types
        entries = entries.filter(member_type_id__in=[t.pk for t in types
                                                     if t.code in settings.member_types])
    return entries


def roster_page(params, settings: RosterSettings | None = None, *,
                page_size: int = PAGE_SIZE) -> RosterPage:
    """One page of the public roster; AppError (400) for a parameter that does not parse."""
    from tenant_apps.directory.models import DirectoryEntry

    settings = settings or roster_settings()
    columns = [{"code": column_code(c), "label": column_label(c)} for c in settings.columns]
    codes = {c["code"] for c in columns}
    types = _types()
    type_choices = _type_choices(types, settings.member_types, "rank" in codes) \
        if codes & {"type", "rank"} else []
    region_choices = _region_choices() if "region" in codes else []
    cleaned = _cleaned(params, type_choices, region_choices, codes)
    entries = roster_entries(settings, types)
    if cleaned["q"]:
        entries = entries.filter(_name_filter(cleaned["q"]))
    if cleaned["type"]:
        chosen = next(c for c in type_choices if c["value"] == cleaned["type"])
        entries = entries.filter(member_type_id=chosen["type"].pk)
        if chosen["rank"] is not None:
            entries = entries.filter(rank_id=chosen["rank"].pk)
    if cleaned["region"]:
        entries = entries.filter(region=cleaned["region"])
    total = entries.count()
    pages = max(1, -(-total // page_size))
    page = min(cleaned["page"], pages)
    cleaned["page"] = page
    start = (page - 1) * page_size
    chunk: list[DirectoryEntry] = list(
        entries.order_by("name_pinyin", "number")[start:start + page_size])
    liaisons = _first_contacts(chunk) if codes & set(PERSONAL) else {}
    by_type = {t.pk: t for t in types}
    ranks = {r.pk: r for t in types for r in t.ranks.all()} if "rank" in codes else {}
    rows = [_row(e, columns, by_type, ranks, liaisons.get(e.membership_id), settings)
            for e in chunk]
    type_label = next((c["label"] for c in columns if c["code"] == "rank"),
                      next((c["label"] for c in columns if c["code"] == "type"), ""))
    listed = [t for t in types if not settings.member_types or t.code in settings.member_types]
    kinds = {t.kind for t in listed}
    return RosterPage(columns=columns, rows=rows, total=total, page=page, pages=pages,
                      params=cleaned, type_choices=type_choices, region_choices=region_choices,
                      type_label=type_label,
                      name_label=next((c["label"] for c in columns if c["code"] == "name"), ""),
                      kind=kinds.pop() if len(kinds) == 1 else "")


def _first_contacts(chunk) -> dict:
    """The first liaison (第一联络员) of each member on the page, in one query."""
    from tenant_apps.records.models import Contact

    out: dict = {}
    contacts = Contact.objects.filter(
        record__membership_id__in=[e.membership_id for e in chunk]
    ).order_by("record__membership_id", "ordering", "id").values(
        "record__membership_id", "name", "mobile", "telephone", "email")
    for c in contacts:
        out.setdefault(c["record__membership_id"], c)
    return out


def _region_name(entry) -> str:
    from tenant_apps.configuration.fieldtypes import regions

    province = regions().get(entry.region)
    if province is None:
        return ""
    city = province["cities"].get(entry.city, "")
    return " ".join(x for x in (province["name"], city) if x)


def _row(entry, columns, by_type, ranks, contact, settings) -> list[str]:
    """The cells of one member, in column order; a personal cell the member did not tick,
    or has nothing for, is empty (shown as —)."""
    from tenant_apps.records.selectors import mask_phone

    consented = set(entry.consent_fields or [])
    cells = []
    for col in columns:
        code = col["code"]
        value = ""
        if code == "name":
            value = entry.name
        elif code == "type":
            mtype = by_type.get(entry.member_type_id)
            value = mtype.name if mtype else ""
        elif code == "rank":
            rank = ranks.get(entry.rank_id)
            value = rank.name if rank else ""
        elif code == "region":
            value = _region_name(entry)
        elif code in consented and contact:
            if code == "liaison_name":
                value = contact["name"]
            elif code == "liaison_phone":
                phone = contact["mobile"] or contact["telephone"]
                value = (phone if settings.phone == "full" else mask_phone(phone)) \
                    if phone else ""
            elif code == "liaison_email":
                value = contact["email"]
        cells.append({"code": code, "label": col["label"], "value": value})
    return cells
