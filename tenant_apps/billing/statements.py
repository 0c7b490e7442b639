"""Bank statements: finance imports a CSV or Excel export of the association's account; credit
lines that carry an order's transfer reference and its exact amount confirm that order; the
rest wait for a person."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.billing.models import Order, OrderStatus, PaymentMethod, StatementLine
from tenant_apps.billing.services import order_settle

REFERENCE = re.compile(r"HJ[A-HJ-NP-Z2-9]{6}")
COLUMNS = {
    "date": ("交易日期", "记账日期", "日期", "date", "booked"),
    "amount": ("贷方金额", "收入金额", "金额", "amount", "credit"),
    "payer": ("对方户名", "付款人", "对方账户名称", "payer", "counterparty"),
    "memo": ("附言", "摘要", "用途", "备注", "memo", "remark", "reference"),
}


@dataclass
class ImportResult:
    matched: int = 0
    doubtful: int = 0
    repeated: int = 0
    skipped: int = 0


def _rows(name: str, content: bytes) -> list[list[str]]:
    if name.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(
            values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese banks export GBK CSVs too
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AppError("statement_encoding", _("The file is neither UTF-8 nor GBK text."),
                       field="file")
    return list(csv.reader(io.StringIO(text)))


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for key, names in COLUMNS.items():
        for index, cell in enumerate(header):
            if cell.strip().lower() in [n.lower() for n in names]:
                found[key] = index
                break
    if "amount" not in found or "memo" not in found:
        raise AppError("statement_columns", _(
            "The first row must name the columns; at least the amount (金额) and the memo "
            "(附言/摘要) are needed."), field="file")
    return found


def _cells(row: list[str], columns: dict[str, int]):
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    return cell


def _amount(text: str) -> int | None:
    try:
        value = Decimal(text.replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        return None
    return int(value * 100) if value > 0 else None


def _date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


@transaction.atomic
def statement_import(*, actor, name: str, content: bytes) -> ImportResult:
    if not can(actor, "finance.manage"):
        raise Forbidden(_("Only finance can import statements."))
    rows = _rows(name, content)
    if not rows:
        raise AppError("statement_empty", _("The file has no lines."), field="file")
    columns = _columns(rows[0])
    result = ImportResult()
    for row in rows[1:]:
        cell = _cells(row, columns)
        amount = _amount(cell("amount"))
        if amount is None:
            result.skipped += 1  # debits, totals, blank lines
            continue
        fingerprint = hashlib.sha256("|".join(row).encode()).hexdigest()
        if StatementLine.objects.filter(fingerprint=fingerprint).exists():
            result.repeated += 1
            continue
        line = StatementLine(fingerprint=fingerprint, booked_on=_date(cell("date")),
                             amount_fen=amount, payer=cell("payer")[:200],
                             memo=cell("memo")[:300], imported_by=actor)
        order = _match(line)
        if order is not None:
            line.status, line.order = StatementLine.Status.MATCHED, order
            line.save()
            if _confirm(order, actor, line):
                result.matched += 1
            else:
                result.doubtful += 1
        else:
            if line.status != StatementLine.Status.TO_REFUND:
                line.status = StatementLine.Status.DOUBTFUL
            line.save()
            result.doubtful += 1
    audit_record(actor=actor, action="statement.imported", target=None,
                 data={"file": name, **result.__dict__})
    return result


def _match(line: StatementLine) -> Order | None:
    found = REFERENCE.findall(line.memo.upper())
    if len(found) != 1:
        line.note = _("No order reference in the memo.") if not found else \
            _("Several references in the memo.")
        return None
    order = Order.objects.select_for_update(of=("self",)).filter(
        transfer_reference=found[0]).first()
    if order is None:
        line.note = _("The reference names no order.")
        return None
    if order.amount_fen != line.amount_fen:
        line.order = order
        line.note = _("The amount differs from the order's.")
        return None
    if order.status not in (OrderStatus.PENDING, OrderStatus.AWAITING_CONFIRMATION):
        # Money for an order that cannot take it (paid, cancelled, expired): to refund.
        line.order, line.status = order, StatementLine.Status.TO_REFUND
        line.note = _("To refund: the order is %(status)s.") % {
            "status": order.get_status_display()}
        return None
    return order


def _confirm(order: Order, actor, line: StatementLine) -> bool:
    """Settle the order with this line's money; a line the order cannot take (its
    application was withdrawn) is marked to refund instead."""
    settled = order_settle(order=order, actor=actor, method=PaymentMethod.BANK,
                           via="statement", data={"statement_line": line.pk})
    if not settled.applied:
        line.status = StatementLine.Status.TO_REFUND
        line.note = (_("To refund: %(reason)s") % {"reason": settled.reason})[:300]
        line.save(update_fields=["status", "note"])
    audit_record(actor=actor, action="statement.line_matched", target=order,
                 data={"statement_line": line.pk, "applied": settled.applied})
    return settled.applied


@transaction.atomic
def statement_line_settle(*, line: StatementLine, actor, order: Order | None,
                          dismiss: bool = False, note: str = "") -> StatementLine:
    """A person decides a doubtful line: it pays this order, or it is not a fee."""
    if not can(actor, "finance.manage"):
        raise Forbidden()
    line = StatementLine.objects.select_for_update().get(pk=line.pk)
    if line.status not in (StatementLine.Status.DOUBTFUL, StatementLine.Status.TO_REFUND):
        raise AppError("already_decided", _("This line was already handled."), status=409)
    if dismiss:
        line.status, line.note = StatementLine.Status.DISMISSED, note[:300]
        line.save()
        audit_record(actor=actor, action="statement.line_dismissed", target=None,
                     data={"statement_line": line.pk, "note": line.note})
        return line
    if order is None:
        raise AppError("order_required", _("Choose the order this line pays."), field="order")
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status not in (OrderStatus.PENDING, OrderStatus.AWAITING_CONFIRMATION):
        raise AppError("not_payable", _("This order is not waiting for payment."), status=409)
    line.status, line.order, line.note = StatementLine.Status.SETTLED, order, note[:300]
    line.save()
    if not _confirm(order, actor, line):
        raise AppError("not_payable", _("This order is not waiting for payment."), status=409)
    return line
