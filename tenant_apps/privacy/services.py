"""Writes of personal-data rights (docs/personal-data.md): consents recorded with their
text's version, a member's data export (我的数据) prepared in the background, and deletion
requests (申请删除个人信息) handled by HQ: anonymised, or refused with a reason."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden, NotFound
from tenant_apps.accounts.capabilities import can
from tenant_apps.privacy.models import (
    ConsentRecord,
    DataExport,
    DeletionRequest,
)
from tenant_apps.privacy.state import check_transition
from tenant_apps.privacy.texts import text_version

S = DeletionRequest.Status
STALE = dt.timedelta(hours=1)  # an export still "being prepared" after this failed


# --- consents -------------------------------------------------------------------------------------

def consent_record(*, user, purpose: str, given: bool, where: str, text: str | None = None,
                   subject: str = "", detail: dict | None = None,
                   ip: str | None = None) -> ConsentRecord:
    """One consent given (to the version of `text`, default the wording in force) or
    withdrawn, in the caller's transaction. The one function every place that publishes or
    shares personal data calls."""
    version = text_version(purpose, text) if given else _last_text(user, purpose, subject)
    return ConsentRecord.objects.create(
        user=user, purpose=purpose, subject=subject[:64], detail=detail or {}, where=where,
        ip=ip, text=version,
        action=ConsentRecord.Action.GIVEN if given else ConsentRecord.Action.WITHDRAWN)


def _last_text(user, purpose: str, subject: str):
    last = ConsentRecord.objects.filter(user=user, purpose=purpose, subject=subject,
                                        action=ConsentRecord.Action.GIVEN).first()
    return last.text if last else None


def consents_in_force(user) -> list[ConsentRecord]:
    """The consents the member has given and not withdrawn (latest per purpose and
    subject)."""
    latest: dict[tuple[str, str], ConsentRecord] = {}
    for row in ConsentRecord.objects.filter(user=user).order_by("at", "id"):
        latest[(row.purpose, row.subject)] = row
    return [r for r in latest.values() if r.action == ConsentRecord.Action.GIVEN]


# --- 我的数据: the export ------------------------------------------------------------------------

@transaction.atomic
def data_export_start(*, user) -> DataExport:
    """Ask for the file; prepared by a task (at once where tasks run inline). One being
    prepared at a time: asking again returns it."""
    if not user.is_authenticated:
        raise Forbidden()
    open_one = DataExport.objects.select_for_update().filter(
        user=user, status=DataExport.Status.PREPARING).first()
    if open_one is not None and open_one.created_at > timezone.now() - STALE:
        return open_one
    if open_one is not None:  # its task never ran (a lost message): asking again retries
        open_one.status = DataExport.Status.FAILED
        open_one.save(update_fields=["status"])
    export = DataExport.objects.create(user=user)
    audit_record(actor=user, action="privacy.export_requested", target=export,
                 data={"export": str(export.public_id)})
    from tenant_apps.privacy.tasks import data_export_task

    transaction.on_commit(lambda: data_export_task.delay(export.pk))
    return export


def data_export_prepare(export_id: int) -> str:
    """Write the export's ZIP (data.json, and data.html to read) as a private file of its
    owner. Idempotent: a ready export is left alone."""
    from tenant_apps.files.services import private_file_store
    from tenant_apps.notifications.services import association_language
    from tenant_apps.privacy.selectors import member_data

    with transaction.atomic():
        export = DataExport.objects.select_for_update().select_related("user").get(
            pk=export_id)
        if export.status != DataExport.Status.PREPARING:
            return export.status
        with translation.override(association_language()):
            data = member_data(export.user)
            html = render_to_string("privacy/export.html", {"data": data})
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2,
                                                     default=str))
            archive.writestr("data.html", html)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        stored = private_file_store(
            acting_user=export.user, owner=export.user,
            uploaded=SimpleUploadedFile(f"my-data-{stamp}.zip", buffer.getvalue(),
                                        "application/zip"),
            content_type="application/zip")
        export.file, export.status, export.ready_at = stored, DataExport.Status.READY, \
            timezone.now()
        export.save(update_fields=["file", "status", "ready_at"])
        audit_record(actor=export.user, action="privacy.exported", target=export,
                     data={"export": str(export.public_id), "size": stored.size})
    return export.status


def data_export_for_owner(*, user, public_id) -> DataExport:
    export = DataExport.objects.filter(public_id=public_id, user=user).select_related(
        "file").first() if user.is_authenticated else None
    if export is None:
        raise NotFound
    return export


# --- 申请删除个人信息 -------------------------------------------------------------------------

@transaction.atomic
def deletion_request_submit(*, user, reason: str) -> DeletionRequest:
    """The member asks for their personal data to be deleted, with a reason. One open
    request at a time; what would hold the deletion back is said now (refusals)."""
    from huiji.reasons import reason_checked

    if not user.is_authenticated or user.is_association_staff:
        raise Forbidden(_("Staff accounts are removed by an administrator on the staff "
                          "page."))
    reason = reason_checked(reason, required=_("Give the reason for your request."))
    if DeletionRequest.objects.select_for_update().filter(user=user,
                                                          status=S.SUBMITTED).exists():
        raise AppError("already_asked", _("You have already asked for the deletion of your "
                                          "personal data; the association is handling it."),
                       status=409)
    membership = getattr(user, "membership", None)
    request = DeletionRequest.objects.create(
        user=user, reason=reason, member_number=membership.number if membership else "")
    audit_record(actor=user, action="privacy.deletion_requested", target=request,
                 data={"request": str(request.public_id)})
    return request


def deletion_blockers(user) -> list[str]:
    """Why the member's data cannot be deleted now, as staff and the member read it: money
    in flight or to be refunded (the association must still reach them about it). Unpaid
    orders are no reason: deleting cancels them."""
    from tenant_apps.billing.models import (
        InvoiceRequest,
        Order,
        OrderStatus,
        PaymentNotice,
        StatementLine,
    )

    reasons = []
    orders = Order.objects.filter(Q(payer=user) | Q(membership__user=user))
    if orders.filter(status__in=[OrderStatus.AWAITING_CONFIRMATION, OrderStatus.PAID]).exists():
        reasons.append(_("A payment is being confirmed by the association's finance staff."))
    numbers = list(orders.exclude(status=OrderStatus.REFUNDED).values_list("number",
                                                                           flat=True))
    if PaymentNotice.objects.filter(order_number__in=numbers,
                                    outcome=PaymentNotice.Outcome.TO_REFUND).exists() or \
            StatementLine.objects.filter(order__number__in=numbers,
                                         status=StatementLine.Status.TO_REFUND).exists():
        reasons.append(_("Money is waiting to be refunded to you."))
    if InvoiceRequest.objects.filter(order__in=orders,
                                     status=InvoiceRequest.Status.REQUESTED).exists():
        reasons.append(_("A fee receipt you asked for is still being issued."))
    return reasons


def _locked(request: DeletionRequest, actor) -> DeletionRequest:
    if not can(actor, "privacy.handle"):
        raise Forbidden()
    return DeletionRequest.objects.select_for_update().select_related("user").get(
        pk=request.pk)


@transaction.atomic
def deletion_request_reject(*, acting_user, request: DeletionRequest,
                            reason: str) -> DeletionRequest:
    from huiji.reasons import reason_checked

    request = _locked(request, acting_user)
    reason = reason_checked(reason, required=_("Give the reason: the member will see it."))
    check_transition(request.status, S.REJECTED)
    request.status, request.decision_reason = S.REJECTED, reason
    request.decided_by, request.decided_at = acting_user, timezone.now()
    request.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(actor=acting_user, action="privacy.deletion_rejected", target=request,
                 reason=reason, data={"request": str(request.public_id)})
    _tell(request.user, _("Your request to delete your personal data"), _(
        "The association did not delete your personal data: %(reason)s") % {"reason": reason})
    return request


@transaction.atomic
def deletion_request_complete(*, acting_user, request: DeletionRequest) -> DeletionRequest:
    """Anonymise the member (docs/personal-data.md#what-deletion-does): refused with the
    reasons (409) while money is in flight or to be refunded."""
    request = _locked(request, acting_user)
    check_transition(request.status, S.DONE)
    blockers = deletion_blockers(request.user)
    if blockers:
        raise AppError("deletion_blocked", _("The personal data cannot be deleted now: "
                                             "%(reasons)s") % {"reasons": " ".join(blockers)},
                       status=409)
    from tenant_apps.privacy.anonymise import anonymise_member

    # told first, while the member's phone and e-mail are still on file
    _tell(request.user, _("Your personal data has been deleted"), _(
        "As you asked, the association has deleted your personal data and closed your "
        "account. Your payment records and receipts are kept as the law requires."))
    counts = anonymise_member(acting_user=acting_user, user=request.user)
    request.status = S.DONE
    request.decided_by, request.decided_at = acting_user, timezone.now()
    request.reason = _("(deleted with the personal data)")
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(actor=acting_user, action="privacy.deletion_done", target=request,
                 data={"request": str(request.public_id), "member": request.member_number,
                       **counts})
    return request


def _tell(user, subject: str, body: str) -> None:
    from tenant_apps.notifications.services import notify

    notify(event="staff_message", user=user, params={"subject": subject, "body": body})


def deletion_queue(user, *, status: str | None = S.SUBMITTED):
    if not can(user, "privacy.handle"):
        raise Forbidden()
    rows = DeletionRequest.objects.select_related("user", "decided_by")
    return rows.filter(status=status) if status else rows
