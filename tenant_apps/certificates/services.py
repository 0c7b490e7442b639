"""Writes of certificates (docs/certificates.md).

`certificates_refresh(membership)` is the one function that issues, re-issues and revokes a
membership's certificates to match what it is now; every write path that changes what a
certificate shows calls it (activation with the record, renewal, level change, a record
change by the member, staff or an approved change request, withdrawal), and the nightly job
revokes the lapsed in bulk (`certificates_revoke_lapsed`). Running it twice issues nothing
new. Staff re-issue and revoke by hand; paper certificates move to printed and mailed.

`certificate_file` is the one place that draws a certificate (render.py)."""

from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.certificates.models import Certificate, CertificateSequence
from tenant_apps.certificates.selectors import (
    documents_for,
    fingerprint,
    photo_field,
    shown_now,
    type_doc_of,
)
from tenant_apps.certificates.state import check_paper_transition, check_transition
from tenant_apps.memberships.models import Membership

S = Certificate.Status
K = Certificate.Kind
MS = Membership.Status

# Why a certificate was revoked (its `reason` when the system did it).
CAUSE_LAPSED = "membership lapsed"
CAUSE_WITHDRAWN = "membership withdrawn"
CAUSE_NOT_CONFIGURED = "no longer given to this member type"
CAUSE_STAFF = "staff"

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def certificate_number_next(today=None) -> str:
    """The association's next certificate number of the year: CMES-2026-000123 (the prefix is
    the association's code). Under the sequence row's lock, in the caller's transaction."""
    from huiji.tenancy.current import current_association

    year = (today or timezone.localdate()).year
    sequence, _created = CertificateSequence.objects.get_or_create(year=year)
    sequence = CertificateSequence.objects.select_for_update().get(pk=sequence.pk)
    value = sequence.next_value
    sequence.next_value += 1
    sequence.save(update_fields=["next_value"])
    association = current_association()
    prefix = (association.slug if association else connection.schema_name).upper()
    return f"{prefix}-{year}-{value:06d}"


def _short_code() -> str:
    return "".join(secrets.choice(_CROCKFORD) for _ in range(12))


def _issue(membership: Membership, kind: str, shown: dict, *, actor) -> Certificate:
    now = timezone.now()
    certificate = Certificate.objects.create(
        membership=membership, kind=kind, number=certificate_number_next(),
        code=secrets.token_urlsafe(32), short_code=_short_code(), shown=shown,
        fingerprint=fingerprint(kind, shown), status=S.ISSUED, issued_at=now,
        paper_state=Certificate.Paper.TO_MAKE if kind == K.PAPER else "")
    audit_record(actor=actor, action="certificate.issued", target=certificate,
                 data={"number": certificate.number, "kind": kind,
                       "member_number": membership.number})
    return certificate


def _end(certificate: Certificate, status: str, *, actor, reason: str) -> None:
    check_transition(certificate.status, status)
    certificate.status, certificate.revoked_at, certificate.reason = \
        status, timezone.now(), reason[:200]
    certificate.save(update_fields=["status", "revoked_at", "reason"])
    audit_record(actor=actor, action=f"certificate.{status}", target=certificate,
                 reason=reason, data={"number": certificate.number})


def _link(old: Certificate, new: Certificate) -> None:
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])


def _membership_locked(membership) -> Membership:
    pk = membership.pk if isinstance(membership, Membership) else membership
    return Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "rank", "user").get(pk=pk)


@transaction.atomic
def certificates_refresh(membership, *, actor=None) -> list[Certificate]:
    """Bring the membership's certificates in line with it: issue each kind its type gives
    that it lacks, re-issue one whose content changed (the old one superseded), revoke them
    when the membership lapsed or was withdrawn. An electronic certificate or card that
    shows a photo waits for the photo. A kind revoked by staff is issued again only by staff.
    Idempotent. Returns the certificates issued."""
    membership = _membership_locked(membership)
    current = {c.kind: c for c in Certificate.objects.select_for_update().filter(
        membership=membership, status=S.ISSUED)}
    if membership.status in (MS.LAPSED, MS.WITHDRAWN):
        cause = CAUSE_LAPSED if membership.status == MS.LAPSED else CAUSE_WITHDRAWN
        for certificate in current.values():
            _end(certificate, S.REVOKED, actor=actor, reason=cause)
        return []
    type_doc = type_doc_of(membership)
    kinds = documents_for(membership, type_doc)
    shown = shown_now(membership, type_doc=type_doc)
    needs_photo = photo_field(membership, type_doc) is not None and not shown["photo"]
    issued = []
    for kind in kinds:
        old = current.pop(kind, None)
        if old is not None and old.fingerprint == fingerprint(kind, shown):
            if old.shown != shown:  # a detail not printed (a masked phone): kept current
                old.shown = shown
                old.save(update_fields=["shown"])
            continue
        if kind != K.PAPER and needs_photo:
            continue
        if old is None:
            last = Certificate.objects.filter(membership=membership, kind=kind).order_by(
                "-issued_at", "-id").first()
            if last is not None and last.status == S.REVOKED and last.reason == CAUSE_STAFF \
                    and last.issued_at >= membership.activated_at:
                continue
        if old is not None:  # first: one issued certificate per kind at a time
            _end(old, S.SUPERSEDED, actor=actor, reason="")
        new = _issue(membership, kind, shown, actor=actor)
        if old is not None:
            _link(old, new)
        issued.append(new)
    for certificate in current.values():  # kinds the type no longer gives
        _end(certificate, S.REVOKED, actor=actor, reason=CAUSE_NOT_CONFIGURED)
    return issued


def certificates_refresh_all(*, actor=None) -> int:
    """`certificates_refresh` for every membership of the association, one transaction each
    (after a bulk load, e.g. imported members, or dates moved by hand). Returns how many
    certificates were issued."""
    issued = 0
    for pk in Membership.objects.order_by("pk").values_list("pk", flat=True).iterator():
        issued += len(certificates_refresh(pk, actor=actor))
    return issued


def certificates_revoke_lapsed(membership_ids) -> int:
    """The nightly job's lapses: every issued certificate of these memberships revoked, in one
    statement, with one audit row. In the caller's transaction; returns how many."""
    ids = list(membership_ids)
    if not ids:
        return 0
    revoked = Certificate.objects.filter(membership_id__in=ids, status=S.ISSUED).update(
        status=S.REVOKED, revoked_at=timezone.now(), reason=CAUSE_LAPSED)
    if revoked:
        audit_record(actor=None, action="certificate.revoked_lapsed",
                     data={"memberships": len(ids), "certificates": revoked})
    return revoked


# --- staff --------------------------------------------------------------------------------------

def _for_staff(certificate: Certificate, actor) -> Certificate:
    from tenant_apps.accounts.capabilities import can_for_member

    certificate = Certificate.objects.select_for_update(of=("self",)).select_related(
        "membership__member_type", "membership__rank", "membership__user").get(
        pk=certificate.pk)
    if not can_for_member(actor, "certificates.manage", certificate.membership):
        raise Forbidden()
    return certificate


@transaction.atomic
def certificate_reissue(*, acting_user, certificate: Certificate, reason: str) -> Certificate:
    """重新颁发 by staff (a lost or damaged certificate): a new number and codes, the old one
    superseded; the reason is kept on the audit row."""
    from huiji.reasons import reason_checked

    certificate = _for_staff(certificate, acting_user)
    reason = reason_checked(reason, required=_("Give the reason."))
    membership = _membership_locked(certificate.membership)
    if membership.status in (MS.LAPSED, MS.WITHDRAWN):
        raise AppError("not_in_force", _("The membership is not in force: no certificate is "
                                         "issued."), status=409)
    if certificate.status == S.SUPERSEDED:
        raise AppError("superseded", _("A newer certificate exists: re-issue that one."),
                       status=409)
    was_issued = certificate.status == S.ISSUED
    if was_issued:
        _end(certificate, S.SUPERSEDED, actor=acting_user, reason=reason)
    new = _issue(membership, certificate.kind, shown_now(membership), actor=acting_user)
    if was_issued:
        _link(certificate, new)
    audit_record(actor=acting_user, action="certificate.reissued", target=new, reason=reason,
                 data={"number": new.number, "replaces": certificate.number})
    return new


@transaction.atomic
def certificate_revoke(*, acting_user, certificate: Certificate, reason: str) -> Certificate:
    """注销 by staff, with a reason: the verification page reads 已注销 from now on. The
    membership's next change does not issue it again; staff re-issue it."""
    from huiji.reasons import reason_checked

    certificate = _for_staff(certificate, acting_user)
    reason = reason_checked(reason, required=_("Give the reason."))
    check_transition(certificate.status, S.REVOKED)
    certificate.status, certificate.revoked_at, certificate.reason = \
        S.REVOKED, timezone.now(), CAUSE_STAFF
    certificate.save(update_fields=["status", "revoked_at", "reason"])
    audit_record(actor=acting_user, action="certificate.revoked", target=certificate,
                 reason=reason, data={"number": certificate.number, "by_staff": True})
    return certificate


@transaction.atomic
def paper_mark_printed(*, acting_user, certificate: Certificate) -> Certificate:
    certificate = _for_staff(certificate, acting_user)
    check_paper_transition(certificate.paper_state, Certificate.Paper.PRINTED)
    certificate.paper_state, certificate.printed_at = Certificate.Paper.PRINTED, timezone.now()
    certificate.save(update_fields=["paper_state", "printed_at"])
    audit_record(actor=acting_user, action="certificate.printed", target=certificate,
                 data={"number": certificate.number})
    return certificate


@transaction.atomic
def paper_mark_printed_many(*, acting_user, numbers) -> int:
    """全部标记已打印: the paper certificates of `numbers` still to make (those the staff
    printed from one page of the queue) marked printed; any already marked, superseded or
    unknown are left as they are, so sending the form twice marks nothing twice. Returns how
    many were marked."""
    wanted = [str(n) for n in numbers][:200]
    marked = 0
    for certificate in Certificate.objects.filter(
            number__in=wanted, kind=Certificate.Kind.PAPER,
            paper_state=Certificate.Paper.TO_MAKE, status=Certificate.Status.ISSUED
    ).order_by("pk"):
        certificate = _for_staff(certificate, acting_user)
        if certificate.paper_state == Certificate.Paper.TO_MAKE:
            paper_mark_printed(acting_user=acting_user, certificate=certificate)
            marked += 1
    return marked


@transaction.atomic
def paper_mark_mailed(*, acting_user, certificate: Certificate,
                      tracking_number: str) -> Certificate:
    """已邮寄, with the courier's tracking number; the member is told (inbox, SMS) through the
    outbox."""
    certificate = _for_staff(certificate, acting_user)
    tracking = str(tracking_number or "").strip()
    if not tracking:
        raise AppError("required", _("Enter the tracking number."), field="tracking_number")
    if len(tracking) > 40 or not all((ch.isalnum() and ch.isascii()) or ch in "-" for ch in
                                     tracking):
        raise AppError("invalid_tracking", _("Enter the tracking number as the courier gives "
                                             "it: letters, digits and dashes, at most 40."),
                       field="tracking_number")
    check_paper_transition(certificate.paper_state, Certificate.Paper.MAILED)
    certificate.paper_state, certificate.mailed_at = Certificate.Paper.MAILED, timezone.now()
    certificate.tracking_number = tracking
    certificate.save(update_fields=["paper_state", "mailed_at", "tracking_number"])
    audit_record(actor=acting_user, action="certificate.mailed", target=certificate,
                 data={"number": certificate.number, "tracking_number": tracking})
    from tenant_apps.notifications.services import notify

    notify(event="certificate_mailed", user=certificate.membership.user,
           params={"certificate_number": certificate.number, "tracking_number": tracking})
    return certificate


# --- the member's photo -------------------------------------------------------------------------

@transaction.atomic
def certificate_photo_upload(*, acting_user, membership: Membership, uploaded) -> list:
    """上传个人照片，生成电子版会员证: the photo checked by its content (an image, the field's
    formats and size), stored privately, written to the record (record_apply_changes, which
    refreshes the certificates). Returns the certificates issued."""
    from tenant_apps.certificates.selectors import photo_needed
    from tenant_apps.records.models import MemberRecord
    from tenant_apps.records.services import record_apply_changes, record_store_image

    membership = _membership_locked(membership)
    if membership.user_id != acting_user.pk:
        raise Forbidden()
    spec = photo_field(membership, type_doc_of(membership))
    record = MemberRecord.objects.filter(membership=membership).first()
    if spec is None or record is None:
        raise AppError("no_photo", _("Your certificate shows no photo."), status=404)
    if uploaded is None:
        raise AppError("required", _("Choose a photo to upload."), field="photo")
    before = photo_needed(membership)
    stored = record_store_image(acting_user=acting_user, record=record, field=spec["key"],
                                uploaded=uploaded, editable_only=False)
    record_apply_changes(acting_user=acting_user, record=record,
                         changes={spec["key"]: str(stored.public_id)}, editable_only=False)
    issued = list(Certificate.objects.filter(membership=membership, status=S.ISSUED))
    return issued if before else []


# --- drawing ------------------------------------------------------------------------------------

def verify_url(certificate: Certificate) -> str:
    from huiji.tenancy.current import current_association
    from tenants.services import association_url

    return association_url(current_association(), f"/verify/{certificate.code}/")


def certificate_file(certificate: Certificate, fmt: str) -> bytes:
    """The certificate drawn as PDF (`pdf`) or PNG (`png`)."""
    from tenant_apps.certificates import render

    draw = render.render_pdf if fmt == "pdf" else render.render_png
    return draw(**certificate_drawing(certificate))


def certificate_drawing(certificate: Certificate, designs: dict | None = None) -> dict:
    """What the renderer needs to draw a certificate (render.render_pdf's arguments): the ONE
    place that gathers it. `fields` are keyed as the designs' catalogue names them
    (association, name, number, type_rank, joined_on, valid_until, certificate_number,
    issued_on, credit_code, verify_code), dates written as certificates write them
    (2026年12月31日); the member type's design of the document with its background and seal
    (`_design`). `designs`: a dict the caller keeps across many certificates (下载证书), so
    each design's images are read from storage once."""
    from tenant_apps.certificates.selectors import type_label

    shown = certificate.shown
    fields = {
        "association": _association_name(), "name": shown.get("name", ""),
        "number": shown.get("number", ""), "type_rank": type_label(shown),
        "joined_on": _written(shown.get("joined")),
        "valid_until": _written(shown.get("valid_until")),
        "certificate_number": certificate.number,
        "issued_on": _written(timezone.localtime(certificate.issued_at).date().isoformat()),
        "credit_code": shown.get("credit_code", ""),
        "verify_code": short_code_shown(certificate),
    }
    key = (certificate.membership.member_type_id, certificate.kind)
    if designs is None or key not in designs:
        found = _design(certificate)
        if designs is None:
            designs = {}
        designs[key] = found
    design, background, seal = designs[key]
    return {"design": design, "fields": fields, "photo": _photo_bytes(certificate),
            "qr_url": verify_url(certificate), "background": background, "seal": seal}


def _design(certificate: Certificate) -> tuple[dict, bytes | None, bytes | None]:
    """(design, background, seal) of the certificate's document: the member type's design in
    the configuration (design.py), or the type's default design."""
    from tenant_apps.certificates import design as designs

    mtype = certificate.membership.member_type
    chosen = designs.design_for(mtype.code, certificate.kind) or designs.default_design(
        certificate.kind, mtype.kind)
    background, seal = designs.design_images(chosen)
    return chosen, background, seal


def _written(iso: str | None) -> str:
    """A snapshot's ISO date as the designs write dates (design.format_date: 2026年12月31日)."""
    import datetime as dt

    from tenant_apps.certificates.design import format_date

    return format_date(dt.date.fromisoformat(iso)) if iso else ""


def short_code_shown(certificate: Certificate) -> str:
    code = certificate.short_code
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _association_name() -> str:
    from huiji.tenancy.current import current_association

    association = current_association()
    return association.name if association else ""


def _photo_bytes(certificate: Certificate) -> bytes | None:
    """The photo the certificate shows: the member's own stored upload, by its id (never a
    path from text)."""
    from tenant_apps.files.models import PrivateFile

    public_id = certificate.shown.get("photo")
    if not public_id:
        return None
    stored = PrivateFile.objects.filter(public_id=public_id,
                                        owner_id=certificate.membership.user_id).first()
    if stored is None:
        return None
    with stored.file.open("rb") as handle:
        return handle.read()
