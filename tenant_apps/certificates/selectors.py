"""Reads of certificates: which documents a member type gives, what a certificate of a
membership shows now, a member's certificates, the staff's lists, and verification
(docs/certificates.md)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenant_apps.certificates.models import Certificate
from tenant_apps.memberships.models import Membership

K = Certificate.Kind
MS = Membership.Status


# --- configuration ------------------------------------------------------------------------------

def revision_document() -> dict:
    from tenant_apps.configuration.models import ConfigurationRevision

    return ConfigurationRevision.objects.values_list("document", flat=True).first() or {}


def type_doc_of(membership: Membership, document: dict | None = None) -> dict:
    from tenant_apps.applications.engine import type_document

    try:
        return type_document(document if document is not None else revision_document(),
                             membership.member_type.code)
    except KeyError:
        return {"code": membership.member_type.code}


def documents_for(membership: Membership, type_doc: dict | None = None) -> list[str]:
    """The kinds of document a member of this type gets. The ONE place that reads it from the
    configuration: the member type's `certificate` in the profile (`electronic`, `paper`, and
    `card` for a member card instead of the electronic certificate, CAQ's 我的会员卡)."""
    mtype = membership.member_type
    config = (type_doc or {}).get("certificate") or {}
    kinds = []
    if config.get("card"):
        kinds.append(K.CARD)
    elif mtype.electronic_certificate:
        kinds.append(K.ELECTRONIC)
    if mtype.paper_certificate:
        kinds.append(K.PAPER)
    return kinds


def layout_fields(type_doc: dict) -> list[dict]:
    """The record's fields (its sections), then the forms' fields it does not show (a credit
    code asked at joining that the record's tabs leave out is still the unit's)."""
    from tenant_apps.records.layout import layout_of

    fields = [f for s in layout_of(type_doc)["sections"] for f in s["fields"]]
    keys = {f["key"] for f in fields}
    return fields + [f for form in ("registration_form", "application_form")
                     for step in (type_doc.get(form) or {}).get("steps", [])
                     for f in step["fields"] if f["key"] not in keys]


def photo_field(membership: Membership, type_doc: dict) -> dict | None:
    """The record's field holding the photo a person's certificate shows (CMES 个人照片: an
    image field keyed `photo`, or the one the type's `certificate.photo_field` names); None
    where the type's documents show no photo (units)."""
    if membership.member_type.kind != "individual":
        return None
    key = ((type_doc.get("certificate") or {}).get("photo_field")) or "photo"
    return next((f for f in layout_fields(type_doc)
                 if f["key"] == key and f.get("type") == "image"), None)


# --- what a certificate shows -------------------------------------------------------------------

def shown_now(membership: Membership, *, type_doc: dict | None = None,
              values: dict | None = None) -> dict:
    """What a certificate issued now would show: name (a unit's name), member number, type and
    rank, 入会时间, validity, the unit's credit code, the photo's file id; and, for the
    verification page only, the phone and ID number masked."""
    from tenant_apps.records.models import MemberRecord
    from tenant_apps.records.selectors import mask_id, mask_phone, name_in_record

    if type_doc is None:
        type_doc = type_doc_of(membership)
    if values is None:
        values = MemberRecord.objects.filter(membership=membership).values_list(
            "values", flat=True).first() or {}
    fields = layout_fields(type_doc)
    unit = membership.member_type.kind == "unit"

    def first(kind: str) -> str:
        for spec in fields:
            if spec.get("type") == kind and values.get(spec["key"]):
                return str(values[spec["key"]])
        return ""

    photo = photo_field(membership, type_doc)
    phone = first("phone") or (membership.user.phone or "")
    id_number = first("cn_id")
    return {
        "name": name_in_record(values, type_doc, str(membership.user)),
        "number": membership.number,
        "member_type": membership.member_type.name,
        "rank": membership.rank.name if membership.rank_id else "",
        "joined": membership.valid_from.isoformat() if membership.valid_from else "",
        "valid_until": membership.valid_until.isoformat() if membership.valid_until else "",
        "unit": unit,
        "credit_code": first("uscc") if unit else "",
        "photo": str(values.get(photo["key"]) or "") if photo else "",
        "phone_masked": mask_phone(phone) if phone and not unit else "",
        "id_masked": mask_id(id_number) if id_number and not unit else "",
    }


# What a re-issue compares: a paper certificate is not made again for a new validity (the
# verification page shows the live one); masked contact details are not printed.
_COMPARED = {K.ELECTRONIC: ("name", "number", "member_type", "rank", "joined", "valid_until",
                            "credit_code", "photo"),
             K.CARD: ("name", "number", "member_type", "rank", "joined", "valid_until",
                      "credit_code", "photo"),
             K.PAPER: ("name", "number", "member_type", "rank", "joined", "credit_code")}


def fingerprint(kind: str, shown: dict) -> str:
    import hashlib
    import json

    part = {key: shown.get(key) for key in _COMPARED[kind]}
    return hashlib.sha256(json.dumps(part, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def type_label(shown: dict) -> str:
    return " · ".join(p for p in (shown.get("member_type"), shown.get("rank")) if p)


# --- a member's certificates --------------------------------------------------------------------

def certificates_of(membership: Membership | None) -> list[Certificate]:
    """Current ones first (by kind), then the history, newest first."""
    if membership is None:
        return []
    rows = list(Certificate.objects.filter(membership=membership))
    for row in rows:
        row.membership = membership  # read once
    order = {K.ELECTRONIC: 0, K.CARD: 1, K.PAPER: 2}
    return sorted(rows, key=lambda c: (c.status != Certificate.Status.ISSUED,
                                       order.get(c.kind, 9), -c.issued_at.timestamp()))


def certificate_of_member(user, number: str) -> Certificate | None:
    """A certificate of the viewer's own membership, by number (another's: None)."""
    return Certificate.objects.filter(membership__user=user, number=number).select_related(
        "membership").first()


def photo_needed(membership: Membership | None) -> dict | None:
    """The photo field the member must fill before an electronic certificate or card is
    issued (CMES: 上传个人照片，生成电子版会员证), or None."""
    from tenant_apps.records.models import MemberRecord

    if membership is None or membership.status in (MS.LAPSED, MS.WITHDRAWN):
        return None
    type_doc = type_doc_of(membership)
    if not set(documents_for(membership, type_doc)) & {K.ELECTRONIC, K.CARD}:
        return None
    spec = photo_field(membership, type_doc)
    if spec is None:
        return None
    values = MemberRecord.objects.filter(membership=membership).values_list(
        "values", flat=True).first() or {}
    return None if values.get(spec["key"]) else spec


# --- verification -------------------------------------------------------------------------------

LIVE_LABELS = {
    "valid": pgettext_lazy("certificate verification", "Valid"),
    "expired": pgettext_lazy("certificate verification", "Expired"),
    "suspended": pgettext_lazy("certificate verification", "Suspended"),
    "lapsed": pgettext_lazy("certificate verification", "Lapsed"),
    "revoked": pgettext_lazy("certificate verification", "Revoked"),
}


@dataclass(frozen=True)
class Verdict:
    status: str  # a key of LIVE_LABELS
    newer: bool  # re-issued: a newer certificate exists

    @property
    def label(self) -> str:
        return str(LIVE_LABELS[self.status])


def live_status(certificate: Certificate, membership: Membership,
                today: dt.date | None = None) -> Verdict:
    """The membership's live status as a verification reads it: 有效, 已过期, 已暂停, 已失效,
    已注销 (re-issued, revoked by staff, or the membership withdrawn)."""
    today = today or timezone.localdate()
    if certificate.status == Certificate.Status.SUPERSEDED:
        return Verdict("revoked", True)
    if membership.status == MS.WITHDRAWN:
        return Verdict("revoked", False)
    if membership.status == MS.LAPSED:
        return Verdict("lapsed", False)
    if certificate.status == Certificate.Status.REVOKED:
        return Verdict("revoked", False)
    if membership.status == MS.SUSPENDED:
        return Verdict("suspended", False)
    if membership.status == MS.OVERDUE or (membership.valid_until
                                           and membership.valid_until < today):
        return Verdict("expired", False)
    return Verdict("valid", False)


_CODE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_SHORT = re.compile(r"^[0-9A-Z]{12}$")
_CROCKFORD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def short_code_typed(text: str) -> str:
    """A short code as typed (dashes, spaces, lower case, O for 0, I or L for 1), as stored."""
    return re.sub(r"[\s-]", "", str(text or "")).upper().translate(_CROCKFORD)


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a QR code's or a typed short code names, with its membership: one
    query; None for anything else (never a guess at a near one)."""
    code = str(code or "")[:80]
    base = Certificate.objects.select_related("membership")
    if _CODE.match(code):
        return base.filter(code=code).first()
    short = short_code_typed(code)
    if _SHORT.match(short):
        return base.filter(short_code=short).first()
    return None


def certificate_by_number_and_name(number: str, name: str) -> Certificate | None:
    """证书查询 (Jiangsu): the certificate number and the name it shows, both exactly (spaces
    around ignored); one query."""
    number, name = str(number or "").strip().upper()[:40], str(name or "").strip()[:200]
    if not number or not name:
        return None
    return Certificate.objects.select_related("membership").filter(
        number=number, shown__name=name).first()


def verification(certificate: Certificate | None) -> dict | None:
    """What the public page shows of a certificate: what it claims, masked as needed, and the
    live status."""
    if certificate is None:
        return None
    shown = certificate.shown
    verdict = live_status(certificate, certificate.membership)
    return {"certificate": certificate, "shown": shown, "type_label": type_label(shown),
            "kind": certificate.get_kind_display(), "verdict": verdict}


def paper_queue(*, state: str = "", page: int = 1, size: int = 50):
    """The paper certificates to make, print and mail (staff), oldest first; `state` filters.
    Returns (rows, total)."""
    # one not yet made that was superseded or revoked (the membership lapsed) is never made
    rows = Certificate.objects.filter(kind=K.PAPER).exclude(
        status__in=(Certificate.Status.SUPERSEDED, Certificate.Status.REVOKED),
        paper_state=Certificate.Paper.TO_MAKE)
    if state:
        rows = rows.filter(paper_state=state)
    total = rows.count()
    start = (max(page, 1) - 1) * size
    return list(rows.select_related("membership").order_by("issued_at", "id")
                [start:start + size]), total


PAPER_HINTS = {
    Certificate.Paper.TO_MAKE: _("The association is making your paper certificate."),
    Certificate.Paper.PRINTED: _("Your paper certificate is printed and will be mailed soon."),
    Certificate.Paper.MAILED: _("Your paper certificate has been mailed."),
}
