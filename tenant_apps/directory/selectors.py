"""Reads of the member directory: the contract the staff list, its API, bulk actions, exports
and dashboards share (docs/directory.md).

- `scoped_entries(user)`: the directory rows the viewer may see (members.view: HQ
  administrators, reviewers and the secretariat all; a branch administrator exactly the
  members of the branches they administer; anyone else none).
- `search_entries(user, params)`: those rows filtered and sorted by the URL parameters
  (`directory.params`), a queryset to page, count or stream.
- `member_search(user, params)`: one page of rows as the list shows them (phones masked by
  `records.selectors.masked_display`), the total, and the counts per type, rank and status
  of the viewer's scope; a fixed number of queries however many members there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse

from tenant_apps.accounts.capabilities import ALL, scope
from tenant_apps.directory.models import DirectoryCount, DirectoryEntry
from tenant_apps.directory.params import SORTS, Choices, canonical_query, parse_params

PAGE_SIZE = 50
# Beyond this many matches a filtered list says "more than 1,000" rather than counting
# them all (a count that needs the rows themselves reads at most this many).
COUNT_CAP = 1000
_ASCII = re.compile(r"^[0-9A-Za-z._\-]+$")
_DIGITS = re.compile(r"^\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def _administered(user) -> list[int]:
    return list(user.administered_branches.values_list("pk", flat=True))


def scoped_entries(user, *, branch_ids: list[int] | None = None) -> QuerySet:
    """The directory rows `user` may see: all (HQ, reviewers, the secretariat), those of the
    branches they administer (branch administrators: `MemberRecord.branch`), or none."""
    held = scope(user, "members.view")
    if held is None:
        return DirectoryEntry.objects.none()
    if held == ALL:
        return DirectoryEntry.objects.all()
    if branch_ids is None:
        branch_ids = _administered(user)
    return DirectoryEntry.objects.filter(branch_id__in=branch_ids)


def text_filter(q: str) -> Q:
    """What the search box matches, by the shape of what was typed; every branch is a
    prefix or an exact match that an index answers:
    a mobile number: any phone of the member (account, record, contacts) or a number;
    digits: the member number, the phone or the credit code starting with them;
    an e-mail: any e-mail of the member, or the first starting with it;
    letters and digits: pinyin (zhangsan), initials (zs), number, credit code, e-mail, name;
    anything else (张, 王伟, 中国机械): the name (a person's or a unit's) starting with it."""
    q = q.strip()
    low, up = q.lower(), q.upper()
    if _ID_NUMBER.match(q):
        # a full ID number: by its blind index (the number itself is sealed everywhere)
        from huiji.sealed import index_of

        return Q(pk__in=list(DirectoryEntry.objects.filter(
            id_digests__overlap=index_of(q)).values_list("pk", flat=True)[:200])) \
            | Q(number__startswith=q)
    if _MOBILE.match(q):
        return Q(pk__in=_containing("phones", q)) | Q(number__startswith=q)
    if _DIGITS.match(q):
        return Q(number__startswith=q) | Q(phone__startswith=q) | Q(credit_code__startswith=q)
    if "@" in q:
        return Q(pk__in=_containing("emails", low)) | Q(email__startswith=low)
    if _ASCII.match(q):
        match = (Q(name_pinyin__startswith=low) | Q(name_initials__startswith=low)
                 | Q(number__startswith=q) | Q(email__startswith=low) | Q(name__startswith=q))
        if up != q:
            match |= Q(number__startswith=up)
        if len(q) >= 2:
            match |= Q(credit_code__startswith=up)
        return match
    return Q(name__startswith=q)


def _containing(column: str, value: str) -> list[int]:
    """The members any of whose phones (or e-mails) is exactly `value`, looked up first by
    the array's GIN index (one query): inside the list's query the planner misjudges how
    rare an array element is and walks the number index instead."""
    return list(DirectoryEntry.objects.filter(**{f"{column}__contains": [value]})
                .values_list("pk", flat=True)[:200])


def _filtered(entries: QuerySet, params: dict, choices: Choices) -> QuerySet:
    if params.get("q"):
        entries = entries.filter(text_filter(params["q"]))
    if params.get("type"):
        types = choices.type_by_code
        entries = entries.filter(member_type_id__in=[types[c].pk for c in params["type"]])
    if params.get("rank"):
        wanted = set(params["rank"])
        types = set(params.get("type") or [])
        entries = entries.filter(rank_id__in=[
            r.pk for t in choices.types for r in t.ranks.all()
            if r.code in wanted and (not types or t.code in types)])
    if params.get("status"):
        entries = entries.filter(status__in=params["status"])
    if params.get("branch"):
        codes = set(params["branch"])
        entries = entries.filter(branch_id__in=[b.pk for b in choices.branches
                                                if b.code in codes])
    if params.get("interest"):
        entries = entries.filter(interest_branches__overlap=params["interest"])
    if params.get("region"):
        entries = entries.filter(Q(region=params["region"]) | Q(city=params["region"]))
    if params.get("title"):
        entries = entries.filter(title=params["title"])
    if params.get("school"):
        entries = entries.filter(school__startswith=params["school"])
    if params.get("referral"):
        entries = entries.filter(Q(referral=params["referral"])
                                 | Q(referral_branch=params["referral"]))
    for key, lookup in (("joined_from", "joined_on__gte"), ("joined_to", "joined_on__lte"),
                        ("valid_from", "valid_until__gte"), ("valid_to", "valid_until__lte")):
        if params.get(key):
            entries = entries.filter(**{lookup: params[key]})
    if params.get("arrears") in ("0", "1"):
        entries = entries.filter(in_arrears=params["arrears"] == "1")
    return entries.order_by(*SORTS[params["sort"]])


def _viewer_choices(user) -> tuple[Choices, list[int] | None]:
    from tenant_apps.configuration.models import Branch

    if scope(user, "members.view") == ALL:
        return Choices(), None
    branches = list(Branch.objects.filter(admins=user))
    return Choices(branches=branches), [b.pk for b in branches]


def search_entries(user, params, *, choices: Choices | None = None,
                   branch_ids: list[int] | None = None) -> QuerySet:
    """The viewer's directory rows matching the URL parameters (a QueryDict or dict), sorted;
    AppError (400, translated) for a parameter that does not parse. For bulk actions and
    exports: iterate it (`.iterator()`, `.values_list("membership_id", flat=True)`)."""
    if choices is None:
        choices, branch_ids = _viewer_choices(user)
    cleaned = params if isinstance(params, dict) and params.get("_cleaned") else \
        {**parse_params(params, choices=choices), "_cleaned": True}
    return _filtered(scoped_entries(user, branch_ids=branch_ids), cleaned, choices)


@dataclass
class SearchResult:
    rows: list[dict]
    total: int
    total_exact: bool
    page: int
    pages: int
    page_size: int
    params: dict
    query: str  # the canonical query string (no page)
    counts: dict = field(default_factory=dict)
    choices: Choices | None = None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def member_search(user, params, *, page_size: int = PAGE_SIZE,
                  with_counts: bool = True) -> SearchResult:
    """One page of the viewer's members matching `params` (URL parameters, see
    directory.params), as the list shows them; the total (exact up to COUNT_CAP, or from the
    counts when only type, rank, status and branch filter); the viewer's counts per type,
    rank and status. AppError (400) for parameters that do not parse. Queries: the
    configuration's choices (5), the counts (1), the page (1), the total (1; none when the
    first page holds every match), and the viewer's branches for a branch administrator
    (1): none grows with members. A page past the last is empty, not an error."""
    choices, branch_ids = _viewer_choices(user)
    cleaned = parse_params(params, choices=choices)
    entries = _filtered(scoped_entries(user, branch_ids=branch_ids), cleaned, choices)
    counts = counts_for(user, choices=choices, branch_ids=branch_ids) if with_counts else {}
    page = cleaned["page"]
    offset = (page - 1) * page_size
    if _narrow(cleaned.get("q") or "") and offset + page_size <= COUNT_CAP:
        # A narrow text search (王伟, zhangsan, a number) reads its few matches from the
        # table anyway: take their ids in order once (up to COUNT_CAP + 1), count them, and
        # fetch only this page's rows. A broad one (张, zs) walks the order's index instead.
        ids = list(entries.values_list("pk", flat=True)[:COUNT_CAP + 1])
        total, exact = min(len(ids), COUNT_CAP), len(ids) <= COUNT_CAP
        wanted = ids[offset:offset + page_size]
        by_id = {e.pk: e for e in DirectoryEntry.objects.filter(pk__in=wanted)} \
            if wanted else {}
        found = [by_id[i] for i in wanted if i in by_id]
    else:
        found = list(entries[offset:offset + page_size])
        if page == 1 and len(found) < page_size:
            total, exact = len(found), True  # all of them on this page: no count needed
        else:
            total, exact = _total(entries, cleaned, counts, choices)
    pages = max(1, -(-total // page_size))
    if not exact:  # more than COUNT_CAP: the next page exists while this one is full
        pages = max(pages, page + 1 if len(found) == page_size else page)
    rows = [_row(e, user, choices) for e in found]
    return SearchResult(rows=rows, total=total, total_exact=exact, page=page, pages=pages,
                        page_size=page_size, params=cleaned,
                        query=canonical_query(cleaned, page=None), counts=counts,
                        choices=choices)


_COUNTABLE = {"type", "rank", "status", "branch", "sort", "page"}


def _narrow(q: str) -> bool:
    """Whether a search is likely to match few members: two Chinese characters or more,
    three letters or digits or more."""
    return len(q) >= 3 or (len(q) == 2 and not _ASCII.match(q))


def _total(entries: QuerySet, cleaned: dict, counts: dict, choices: Choices):
    """The number of matches: summed from the counts when only type, rank, status and
    branch filter (exact at any size); otherwise counted up to COUNT_CAP + 1."""
    used = {k for k, v in cleaned.items() if v not in (None, "", [], ())}
    if counts and used <= _COUNTABLE:
        types = {choices.type_by_code[c].pk for c in cleaned.get("type") or []}
        ranks = set(cleaned.get("rank") or [])
        statuses = set(cleaned.get("status") or [])
        branches = {b.pk for b in choices.branches if b.code in set(cleaned.get("branch")
                                                                     or [])}
        total = sum(c["n"] for c in counts["cells"]
                    if (not types or c["type_id"] in types)
                    and (not ranks or c["rank_code"] in ranks)
                    and (not statuses or c["status"] in statuses)
                    and (not branches or c["branch_id"] in branches))
        return total, True
    n = entries.order_by()[:COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n <= COUNT_CAP


def counts_for(user, *, choices: Choices | None = None,
               branch_ids: list[int] | None = None) -> dict:
    """The viewer's members per type (with its ranks) and per status, from the kept counts
    (one query): {"total", "types": [{code, name, n, ranks: [{code, name, n}]}],
    "statuses": [{code, label, n}], "cells": [...]}."""
    from tenant_apps.memberships.models import Membership

    if choices is None:
        choices, branch_ids = _viewer_choices(user)
    held = scope(user, "members.view")
    rows = DirectoryCount.objects.filter(n__gt=0)
    if held is None:
        rows = rows.none()
    elif held != ALL:
        rows = rows.filter(branch_id__in=branch_ids or [])
    cells = []
    ranks = {r.pk: r for r in choices.ranks()}
    for row in rows.values("branch_id", "member_type_id", "rank_id", "status").annotate(
            total=Sum("n")):
        rank = ranks.get(row["rank_id"])
        cells.append({"branch_id": row["branch_id"], "type_id": row["member_type_id"],
                      "rank_id": row["rank_id"], "rank_code": rank.code if rank else "",
                      "status": row["status"], "n": row["total"]})
    types = []
    for mtype in choices.types:
        n = sum(c["n"] for c in cells if c["type_id"] == mtype.pk)
        type_ranks = [{"code": r.code, "name": r.name,
                       "n": sum(c["n"] for c in cells if c["rank_id"] == r.pk)}
                      for r in mtype.ranks.all()]
        types.append({"code": mtype.code, "name": mtype.name, "n": n, "ranks": type_ranks})
    statuses = [{"code": code, "label": label,
                 "n": sum(c["n"] for c in cells if c["status"] == code)}
                for code, label in Membership.Status.choices]
    return {"total": sum(c["n"] for c in cells), "types": types, "statuses": statuses,
            "cells": cells}


def _row(entry: DirectoryEntry, viewer, choices: Choices) -> dict:
    from django.utils.translation import gettext as _

    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.selectors import masked_display

    types = {t.pk: t for t in choices.types}
    mtype = types.get(entry.member_type_id)
    rank = next((r for r in choices.ranks() if r.pk == entry.rank_id), None)
    branch = choices.all_branches.get(entry.branch_id)
    phone = masked_display({"type": "phone"}, entry.phone, entry.phone, viewer=viewer)
    return {
        "membership_id": entry.membership_id, "number": entry.number, "name": entry.name,
        "is_unit": entry.is_unit,
        "member_type": mtype.code if mtype else "", "member_type_name": mtype.name if mtype
        else "", "rank": rank.code if rank else "", "rank_name": rank.name if rank else "",
        "status": entry.status,
        "status_label": str(Membership.Status(entry.status).label)
        if entry.status in Membership.Status.values else entry.status,
        "in_arrears": entry.in_arrears,
        "branch": branch.code if branch else "", "branch_name": branch.name if branch else "",
        "phone": phone, "email": entry.email, "region": _region_name(entry),
        "title": entry.title, "school": entry.school,
        "joined_on": entry.joined_on, "valid_until": entry.valid_until,
        "url": reverse("records:member", args=[entry.number]),
        "arrears_label": str(_("In arrears")) if entry.in_arrears else "",
    }


def _region_name(entry: DirectoryEntry) -> str:
    """江苏省 南京市 from the stored codes (GB/T 2260)."""
    from tenant_apps.configuration.fieldtypes import regions

    province = regions().get(entry.region)
    if province is None:
        return ""
    return " ".join(x for x in (province["name"], province["cities"].get(entry.city, ""))
                    if x)
