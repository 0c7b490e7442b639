"""Fee receipts (e-invoices): requested after paying, issued by finance as a PDF the member
downloads and receives by email, re-issued on request."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.billing.models import InvoiceRequest, Order, OrderStatus
from tenant_apps.billing.services import _yuan
from tenant_apps.configuration.fieldtypes import FieldValueError, clean_phone
from tenant_apps.files.services import private_file_store
from tenant_apps.files.sniff import sniff
from tenant_apps.notifications.services import Recipient, notify

_LEGACY_TAX_ID = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")
FIELDS = ("title", "tax_id", "name", "phone", "email", "address", "postcode", "note")


def clean_invoice_details(data: dict) -> dict:
    """Check the details a member gives for the receipt; raise AppError naming the field."""
    out = {k: str(data.get(k) or "").strip() for k in FIELDS}
    for key in ("title", "name", "phone", "email"):
        if not out[key]:
            raise AppError("required", _("This field is required."), field=key)
    tax_id = out["tax_id"].upper().replace(" ", "")
    if tax_id:
        valid = uscc.is_valid(tax_id) if len(tax_id) == 18 else bool(_LEGACY_TAX_ID.match(
            tax_id))
        if not valid:
            raise AppError("tax_id", _("This is not a valid unified social credit code or "
                                       "taxpayer id."), field="tax_id")
    out["tax_id"] = tax_id
    try:
        out["phone"] = clean_phone(out["phone"])
    except FieldValueError as exc:
        raise AppError("phone", str(exc), field="phone") from exc
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(out["email"])
    except ValidationError as exc:
        raise AppError("email", _("Enter a valid email address."), field="email") from exc
    if out["postcode"] and not re.fullmatch(r"\d{6}", out["postcode"]):
        raise AppError("postcode", _("A postcode is 6 digits."), field="postcode")
    return out


@transaction.atomic
def invoice_request(*, order: Order, actor, details: dict,
                    reissue_of: InvoiceRequest | None = None,
                    borrow: bool = False) -> InvoiceRequest:
    """Request the receipt of a paid order, or (where the association lends receipts, CAQ)
    borrow it before paying: then a generated request is printed, stamped and uploaded, and
    finance decides."""
    from tenant_apps.accounts.selectors import account_settings

    order = Order.objects.select_for_update(of=("self",)).select_related(
        "member_type").get(pk=order.pk)
    if order.payer_id != getattr(actor, "pk", None):
        raise Forbidden()
    if borrow:
        if not account_settings().invoice_borrowing:
            raise AppError("no_borrowing", _("This association does not lend receipts before "
                                             "payment."), status=409)
        if order.status != OrderStatus.PENDING:
            raise AppError("not_pending", _("Only an unpaid order's receipt can be "
                                            "borrowed."), status=409)
    elif order.status != OrderStatus.CONFIRMED:
        raise AppError("not_paid", _("A receipt can be requested once the payment is "
                                     "confirmed."), status=409)
    if not order.member_type.invoice:
        raise AppError("no_invoice", _("This membership has no fee receipts."), status=409)
    try:
        with transaction.atomic():
            request = InvoiceRequest.objects.create(
                order=order, requester=actor, reissue_of=reissue_of,
                kind=InvoiceRequest.Kind.BORROW if borrow else
                InvoiceRequest.Kind.AFTER_PAYMENT, **clean_invoice_details(details))
    except IntegrityError as exc:
        raise AppError("invoice_open", _("A receipt request for this order is already "
                                         "waiting."), status=409) from exc
    audit_record(actor=actor, action="invoice.requested", target=request,
                 data={"order": order.number, "reissue_of": reissue_of.pk if reissue_of
                       else None})
    return request


@transaction.atomic
def invoice_issue(*, request: InvoiceRequest, actor, uploaded) -> InvoiceRequest:
    """Finance uploads the issued e-receipt (PDF); the member gets it by email (attached)
    and in the member centre."""
    if not can(actor, "finance.manage"):
        raise Forbidden(_("Only finance can issue receipts."))
    request = InvoiceRequest.objects.select_for_update().select_related("order").get(
        pk=request.pk)
    if request.status != InvoiceRequest.Status.REQUESTED:
        raise AppError("already_decided", _("This request was already handled."), status=409)
    if request.kind == InvoiceRequest.Kind.BORROW and not request.stamped_request_id:
        raise AppError("stamp_missing", _("The stamped borrowing request is not uploaded "
                                          "yet."), status=409)
    if sniff(uploaded).kind != "pdf":
        raise AppError("file_kind", _("Upload the receipt as a PDF."), field="file")
    stored = private_file_store(acting_user=actor, owner=request.requester, uploaded=uploaded,
                                content_type="application/pdf")
    request.receipt, request.status = stored, InvoiceRequest.Status.ISSUED
    request.issued_at, request.issued_by = timezone.now(), actor
    request.save()
    audit_record(actor=actor, action="invoice.issued", target=request,
                 data={"order": request.order.number})
    # To the person and email given in the receipt form (a phone-only account has no email
    # of its own; a unit names who receives its receipts), the inbox to the account.
    notify(event="invoice_issued", user=request.requester, attachment=stored,
           to=Recipient(name=request.name, phone=request.phone, email=request.email),
           params={"member_type": request.order.member_type.name,
                   "amount": _yuan(request.order.amount_fen),
                   "order_number": request.order.number})
    return request


def invoice_reissue(*, request: InvoiceRequest, actor, details: dict, reason: str
                    ) -> InvoiceRequest:
    """Ask for the receipt again (a wrong title, a lost file): a new request that refers to
    the first."""
    if request.requester_id != getattr(actor, "pk", None):
        raise Forbidden()
    if request.status != InvoiceRequest.Status.ISSUED:
        raise AppError("not_issued", _("Only an issued receipt can be re-issued."),
                       status=409)
    new = invoice_request(order=request.order, actor=actor, details=details,
                          reissue_of=request)
    new.reason = (reason or "").strip()[:500]
    new.save(update_fields=["reason"])
    return new


@transaction.atomic
def invoice_stamped_upload(*, request: InvoiceRequest, actor, uploaded) -> InvoiceRequest:
    """The borrower's stamped request (image or PDF), for finance to approve against."""
    request = InvoiceRequest.objects.select_for_update().get(pk=request.pk)
    if request.requester_id != getattr(actor, "pk", None):
        raise Forbidden()
    if request.kind != InvoiceRequest.Kind.BORROW or \
            request.status != InvoiceRequest.Status.REQUESTED:
        raise AppError("not_borrowing", _("Nothing to stamp here."), status=409)
    found = sniff(uploaded)
    if found.kind not in ("image", "pdf"):
        raise AppError("file_kind", _("Upload the stamped request as an image or a PDF."),
                       field="file")
    request.stamped_request = private_file_store(acting_user=actor, owner=actor,
                                                 uploaded=uploaded,
                                                 content_type=found.content_type)
    request.save(update_fields=["stamped_request"])
    audit_record(actor=actor, action="invoice.stamped_uploaded", target=request)
    return request


def borrow_request_pdf(request: InvoiceRequest) -> bytes:
    """The borrowing request to print and stamp: the receipt details and a stamp box."""
    import io

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    from huiji.pdf import cjk_font, text_paragraph
    from huiji.templatetags.money import yuan
    from huiji.tenancy.current import current_association

    font = cjk_font()
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    cell = ParagraphStyle("c", fontName=font, fontSize=10, leading=14)
    association = current_association()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm)
    rows = [(_("Invoice title"), request.title), (_("USCC or taxpayer id"), request.tax_id),
            (_("Amount"), f"¥{yuan(request.order.amount_fen)}"),
            (_("Order number"), request.order.number),
            (_("Contact name"), f"{request.name} {request.phone}"),
            (_("Postal address"), f"{request.address} {request.postcode}")]
    table = Table([[text_paragraph(k, cell), text_paragraph(v or "—", cell)] for k, v in rows],
                  colWidths=[45 * mm, 125 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
    story = [text_paragraph(f"{association.name if association else ''}\n借票申请", title),
             Spacer(1, 8 * mm), table, Spacer(1, 8 * mm),
             text_paragraph("我单位申请先行开具会费票据，并承诺于开票后按时缴纳上述会费。", cell),
             Spacer(1, 25 * mm), text_paragraph("申请单位（盖章）：　　　　　　　　日期：", cell)]
    doc.build(story)
    return buffer.getvalue()
