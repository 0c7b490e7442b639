"""The error report of an import: one line per refused row, its reasons (column: message),
then the row as it was in the file, so it can be corrected and uploaded again."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from tenant_apps.imports import parsing
from tenant_apps.imports.models import MemberImport


def _cells(sheet, values: list) -> list:
    """Cells that hold text as text: a value from the file that starts with = (or +, -, @)
    stays a string, never a formula Excel would run when the report is opened."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"
        out.append(cell)
    return out


def _joined(reasons: list[str]) -> str:
    """The reasons as one cell: a sentence that ends in 。 needs no ；after it (it read
    "…代码。；邮编：…")."""
    return "".join(r if r.endswith(("。", "！", "？")) else r + "；"
                   for r in reasons).rstrip("；")


def error_report_xlsx(member_import: MemberImport) -> bytes:
    from openpyxl import Workbook

    from tenant_apps.imports.services import file_content

    reasons: dict[int, list[str]] = {}
    for error in member_import.errors:
        text = f"{error['column']}：{error['message']}" if error.get("column") \
            else error["message"]
        reasons.setdefault(error["row"], []).append(text)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Refused rows"))
    sheet.append(_cells(sheet, [_("Row"), _("Reasons"), *member_import.headers]))
    if reasons:
        _header, rows = parsing.table(member_import.filename, file_content(member_import))
        for number, cells in rows:
            if number in reasons:
                sheet.append(_cells(sheet, [number, _joined(reasons[number]), *cells]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
