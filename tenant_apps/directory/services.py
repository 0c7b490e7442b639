"""Writes of the member directory: `refresh_entries` is the one function that keeps the search
rows (and the counts at the top of the list) equal to the memberships, records, accounts and
contacts they copy. Every write path that changes one of those columns calls it in its own
transaction (docs/directory.md lists them); `manage.py directory_rebuild` rebuilds all.

Saved searches: `saved_search_create`, `saved_search_delete`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.crypto import blind_index
from huiji.errors import AppError, NotFound
from huiji.sealed import normalised
from tenant_apps.directory.models import DirectoryEntry, SavedSearch

# Record fields read by key where no field type says what they are (the demo profiles'
# keys): the title (技术职称) and the school or work unit (就读学校, 工作单位).
TITLE_KEYS = ("title",)
SCHOOL_KEYS = ("school", "employer", "domestic_school", "work_unit", "unit")
CHUNK = 2000

# The columns taken from the membership (SQL alone: the nightly job's bulk moves refresh only
# these, for any number of members at once). `in_arrears` is the one rule of "in arrears":
# the validity ended unpaid (宽限期, 已暂停), or lapsed where the type takes the arrears back.
_FROM_MEMBERSHIP = """
WITH ids AS (SELECT unnest(%(ids)s::bigint[]) AS id),
old AS (
    SELECT e.membership_id, e.branch_id, e.member_type_id, e.rank_id, e.status
    FROM directory_directoryentry e JOIN ids ON ids.id = e.membership_id
), src AS (
    SELECT m.id, m.number, m.member_type_id, m.rank_id, m.status, m.valid_from,
           m.valid_until, r.branch_id, t.kind = 'unit' AS is_unit,
           (m.status IN ('overdue', 'suspended')
            OR (m.status = 'lapsed' AND t.after_lapse = 'arrears'
                AND NOT t.lapse_at_end)) AS in_arrears,
           COALESCE(u.name, u.username, '') AS account_name,
           COALESCE(u.phone, '') AS phone, COALESCE(lower(u.email), '') AS email, rc.*
    FROM memberships_membership m JOIN ids ON ids.id = m.id
    JOIN configuration_membertype t ON t.id = m.member_type_id
    JOIN accounts_user u ON u.id = m.user_id
    LEFT JOIN records_memberrecord r ON r.membership_id = m.id
    LEFT JOIN jsonb_to_recordset(%(record)s::jsonb) AS rc({RECORD_TYPES}) ON rc.r_id = m.id
), up AS (
    INSERT INTO directory_directoryentry AS e (
        membership_id, number, name, name_pinyin, name_initials, is_unit, phone, phones,
        email, emails, credit_code, member_type_id, rank_id, status, in_arrears, branch_id,
        interest_branches, id_digests, region, city, title, school, referral,
        referral_branch, joined_on, valid_until, refreshed_at)
    SELECT id, number, COALESCE(r_name, account_name), COALESCE(r_name_pinyin, ''),
           COALESCE(r_name_initials, ''), is_unit, COALESCE(r_phone, phone),
           CASE WHEN r_id IS NOT NULL
                THEN ARRAY(SELECT jsonb_array_elements_text(r_phones))::varchar[]
                WHEN phone = '' THEN '{{}}'::varchar[] ELSE ARRAY[phone]::varchar[] END,
           COALESCE(r_email, email),
           CASE WHEN r_id IS NOT NULL
                THEN ARRAY(SELECT jsonb_array_elements_text(r_emails))::varchar[]
                WHEN email = '' THEN '{{}}'::varchar[] ELSE ARRAY[email]::varchar[] END,
           COALESCE(r_credit_code, ''), member_type_id, rank_id, status, in_arrears, branch_id,
           CASE WHEN r_id IS NOT NULL
                THEN ARRAY(SELECT jsonb_array_elements_text(r_interest_branches))::varchar[]
                ELSE '{{}}'::varchar[] END,
           CASE WHEN r_id IS NOT NULL
                THEN ARRAY(SELECT jsonb_array_elements_text(r_id_digests))::varchar[]
                ELSE '{{}}'::varchar[] END,
           COALESCE(r_region, ''), COALESCE(r_city, ''), COALESCE(r_title, ''),
           COALESCE(r_school, ''), COALESCE(r_referral, ''), COALESCE(r_referral_branch, ''),
           valid_from, valid_until, now()
    FROM src
    ON CONFLICT (membership_id) DO UPDATE SET
        number = EXCLUDED.number, is_unit = EXCLUDED.is_unit,
        member_type_id = EXCLUDED.member_type_id, rank_id = EXCLUDED.rank_id,
        status = EXCLUDED.status, in_arrears = EXCLUDED.in_arrears,
        branch_id = EXCLUDED.branch_id, joined_on = EXCLUDED.joined_on,
        valid_until = EXCLUDED.valid_until, refreshed_at = EXCLUDED.refreshed_at{RECORD_SET}
    RETURNING e.membership_id, e.branch_id, e.member_type_id, e.rank_id, e.status
), gone AS (
    DELETE FROM directory_directoryentry e USING ids
    WHERE e.membership_id = ids.id AND NOT EXISTS (SELECT 1 FROM src WHERE src.id = ids.id)
    RETURNING e.membership_id, e.branch_id, e.member_type_id, e.rank_id, e.status
), delta AS (
    SELECT COALESCE(branch_id, 0) AS b, member_type_id AS t, COALESCE(rank_id, 0) AS r,
           status AS s, sum(d) AS n
    FROM (SELECT branch_id, member_type_id, rank_id, status, 1 AS d FROM up
          UNION ALL SELECT branch_id, member_type_id, rank_id, status, -1 FROM old)
         AS moves
    GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0
)
INSERT INTO directory_directorycount AS c (branch_id, member_type_id, rank_id, status, n)
SELECT b, t, r, s, n FROM delta ORDER BY b, t, r, s
ON CONFLICT (branch_id, member_type_id, rank_id, status) DO UPDATE SET n = c.n + EXCLUDED.n
"""
# (`gone` is the membership deleted since: its row goes; `old` already counted it, and the
# delta subtracts it since `up` holds no row for it.)
# The columns read from the record, the account and the contacts (`_record_columns`, in
# Python: the forms say which field is what) travel as one JSON parameter, `rc`, joined to
# the membership: one write of each row, whether new or refreshed. Without them (record=
# False) `rc` is empty, a new row is named by its account and a refreshed one keeps its own.
_TEXT_COLUMNS = ("name", "name_pinyin", "name_initials", "phone", "email", "credit_code",
                 "region", "city", "title", "school", "referral", "referral_branch")
_ARRAY_COLUMNS = ("phones", "emails", "interest_branches", "id_digests")
_RECORD_TYPES = ", ".join(["r_id bigint"] + [f"r_{c} text" for c in _TEXT_COLUMNS]
                          + [f"r_{c} jsonb" for c in _ARRAY_COLUMNS])
_UPSERT = {
    False: _FROM_MEMBERSHIP.format(RECORD_TYPES=_RECORD_TYPES, RECORD_SET=""),
    True: _FROM_MEMBERSHIP.format(RECORD_TYPES=_RECORD_TYPES, RECORD_SET="".join(
        f", {c} = EXCLUDED.{c}" for c in _TEXT_COLUMNS + _ARRAY_COLUMNS)),
}


def refresh_entries(membership_ids: Iterable[int], *, record: bool = True) -> int:
    """Bring the directory rows of these memberships up to date (creating missing ones,
    removing those of deleted memberships) and the counts with them, in the caller's
    transaction. `record=False`: only what the membership row itself holds (number, type,
    rank, status, dates, branch): the nightly job's bulk status moves, one statement for any
    number of members. Otherwise also the name and its pinyin, phones, e-mails, credit code,
    region, title, school, interest branches and referral, read from the record, the
    account and the contacts. Returns how many memberships were refreshed."""
    ids = sorted({int(i) for i in membership_ids})
    if not ids:
        return 0
    with transaction.atomic():
        for start in range(0, len(ids), 50000 if not record else CHUNK):
            chunk = ids[start:start + (50000 if not record else CHUNK)]
            with connection.cursor() as cursor:
                # Lock the rows first, in order, by a statement of their own: the next one
                # then reads them as they are now (a row locked by the statement that also
                # updates it would be skipped), and two refreshes of one member take turns.
                cursor.execute("SELECT 1 FROM directory_directoryentry WHERE membership_id ="
                               " ANY(%(ids)s::bigint[]) ORDER BY membership_id FOR UPDATE",
                               {"ids": chunk})
                columns = _record_columns(chunk) if record else []
                # Without JIT: the planner's estimate for thousands of rows crosses its
                # threshold and compiling took longer (80 ms) than running the rest.
                cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
                jit = cursor.fetchone()[0]
                cursor.execute(_UPSERT[record], {
                    "ids": chunk, "record": json.dumps(columns, ensure_ascii=False)})
                cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return len(ids)


def refresh_all(*, record: bool = True) -> int:
    """Every membership's row (`manage.py directory_rebuild`), then the counts recounted
    from the rows."""
    from tenant_apps.memberships.models import Membership

    ids = list(Membership.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        DirectoryEntry.objects.exclude(membership_id__in=ids).delete()
        done = refresh_entries(ids, record=record)
        rebuild_counts()
    return done


def rebuild_counts() -> None:
    """The counts recounted from the directory rows (after a rebuild, or a bulk load)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM directory_directorycount")
        cursor.execute(
            "INSERT INTO directory_directorycount (branch_id, member_type_id, rank_id, status, n)"
            " SELECT COALESCE(branch_id, 0), member_type_id, COALESCE(rank_id, 0), status,"
            " count(*) FROM directory_directoryentry GROUP BY 1, 2, 3, 4")


def pinyin_of(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lowercase without spaces or tone marks: 张三 ->
    ("zhangsan", "zs"); letters and digits in the name are kept as they are (lowercased)."""
    name = re.sub(r"\s+", "", name or "")
    if not name:
        return "", ""
    from pypinyin.constants import RE_HANS
    from pypinyin.seg.simpleseg import seg

    # pypinyin reads each word of its segmentation on its own, so the syllables of a name are
    # those of its words: an import's 100,000 unit names share most of theirs (有限公司, 工程).
    # What is not Chinese (digits, letters) stays as it is, one "syllable" per character.
    full = [syllable for word in seg(name)
            for syllable in (_word_pinyin(word) if RE_HANS.match(word) else word)]
    # The initials are each syllable's first letter (what Style.FIRST_LETTER gives, from the
    # same segmentation), read off the full syllables: one pass of pypinyin, not two.
    initials = [syllable[:1] for syllable in full]
    return (_NOT_KEPT.sub("", "".join(full).lower())[:400],
            _NOT_KEPT.sub("", "".join(initials).lower())[:100])


_NOT_KEPT = re.compile(r"[^0-9a-z]")


@functools.lru_cache(maxsize=1 << 16)
def _word_pinyin(word: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(word, errors=lambda chars: list(chars)))


def _record_columns(ids: list[int]) -> list[dict]:
    """The columns read from the record (through its type's forms), the account and the
    contacts, one dict per membership with its `r_`-prefixed column names (`_RECORD_TYPES`)."""
    from tenant_apps.applications.engine import form_steps, type_document
    from tenant_apps.applications.models import Application
    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.models import Contact
    from tenant_apps.records.selectors import name_in_record
    from tenant_apps.records.services import _revision_document

    document = _revision_document()
    docs: dict[int, dict] = {}
    specs_of: dict[int, list[dict]] = {}
    # Plain values, not models: an import refreshes 100,000 members in batches of this.
    rows = list(Membership.objects.filter(pk__in=ids).order_by("pk").values_list(
        "pk", "member_type_id", "member_type__code", "user__name", "user__username",
        "user__phone", "user__email", "record__values", "record__source_application_id"))
    contacts: dict[int, list[tuple[str, str]]] = {}
    for membership_id, mobile, email in Contact.objects.filter(
            record__membership_id__in=ids).order_by("ordering", "id").values_list(
            "record__membership_id", "mobile", "email"):
        contacts.setdefault(membership_id, []).append((mobile, email))
    referrals = {a["pk"]: a for a in Application.objects.filter(
        pk__in=[row[8] for row in rows if row[8]]).values(
        "pk", "referral_channel__code", "referral_branch__code")}
    updates = []
    for (pk, type_id, type_code, user_name, username, user_phone, user_email, values,
         source_id) in rows:
        if type_id not in docs:
            try:
                docs[type_id] = type_document(document, type_code)
            except KeyError:
                docs[type_id] = {}
            specs_of[type_id] = [f for step in form_steps(docs[type_id]) for f in step.fields]
        values = values or {}
        name = name_in_record(values, docs[type_id], user_name or username or "")
        full, initials = pinyin_of(name)
        phones = [user_phone] if user_phone else []
        emails = [user_email.lower()] if user_email else []
        entry = {"name": name[:200], "name_pinyin": full, "name_initials": initials,
                 "credit_code": "", "region": "", "city": "", "title": "", "school": "",
                 "interest_branches": [], "id_digests": []}
        for spec in specs_of[type_id]:
            value = values.get(spec["key"])
            if value in (None, "", [], {}):
                continue
            kind = spec.get("type")
            if kind == "phone":
                phones.append(str(value))
            elif kind == "email":
                emails.append(str(value).lower())
            elif kind == "uscc" and not entry["credit_code"]:
                entry["credit_code"] = str(value).upper()[:18]
            elif kind == "region" and isinstance(value, dict) and not entry["region"]:
                entry["region"] = str(value.get("province") or "")[:40]
                entry["city"] = str(value.get("city") or "")[:40]
            elif kind == "cn_id" and isinstance(value, str):
                # under the current key: a re-keying refreshes the directory
                entry["id_digests"].append(blind_index(normalised(value)))
            elif kind == "multichoice" and spec.get("choices_from") == "branches":
                entry["interest_branches"] = [str(v) for v in value][:20]
            if spec["key"] in TITLE_KEYS and not entry["title"]:
                entry["title"] = str(value)[:100]
            elif spec["key"] in SCHOOL_KEYS and not entry["school"] and isinstance(value, str):
                entry["school"] = value.strip()[:200]
        for mobile, email in contacts.get(pk, []):
            if mobile:
                phones.append(mobile)
            if email:
                emails.append(email.lower())
        entry["phones"] = list(dict.fromkeys(p for p in phones if p))[:20]
        entry["emails"] = list(dict.fromkeys(e for e in emails if e))[:20]
        entry["phone"] = entry["phones"][0] if entry["phones"] else ""
        entry["email"] = entry["emails"][0][:254] if entry["emails"] else ""
        source = referrals.get(source_id)
        entry["referral"] = (source or {}).get("referral_channel__code") or ""
        entry["referral_branch"] = (source or {}).get("referral_branch__code") or ""
        updates.append({"r_id": pk, **{f"r_{key}": value for key, value in entry.items()}})
    return updates


# --- saved searches ---------------------------------------------------------------------------

@transaction.atomic
def saved_search_create(*, owner, name: str, params) -> SavedSearch:
    """Keep the list's current filters (as their canonical query string) under a name; the
    same name again replaces that search's filters."""
    from tenant_apps.directory.params import canonical_query

    name = (name or "").strip()
    if not name:
        raise AppError("required", _("Give the search a name."), field="name")
    if len(name) > 60:
        raise AppError("too_long", _("At most %(n)d characters.") % {"n": 60}, field="name")
    if "\x00" in name:
        raise AppError("invalid_value", _("Null characters are not allowed."), field="name")
    query = canonical_query(params, page=None)
    saved, created = SavedSearch.objects.update_or_create(
        owner=owner, name=name, defaults={"query": query})
    audit_record(actor=owner, action="directory.search_saved", target=saved,
                 data={"name": name, "query": query, "created": created})
    return saved


@transaction.atomic
def saved_search_delete(*, owner, pk: int) -> None:
    saved = SavedSearch.objects.filter(owner=owner, pk=pk).first()
    if saved is None:
        raise NotFound
    audit_record(actor=owner, action="directory.search_deleted", target=saved,
                 data={"name": saved.name, "query": saved.query})
    saved.delete()
