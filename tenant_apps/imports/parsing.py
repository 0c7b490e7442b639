"""Reading an uploaded spreadsheet: Excel (xlsx, read row by row with openpyxl's read-only
mode) or CSV in UTF-8 or GBK (GB 18030, which Excel writes on a Chinese Windows), told apart
by trying UTF-8 first. Cells come back as text (dates as YYYY-MM-DD, whole numbers without
".0"), rows as lists; the first row is the header."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _

from huiji.errors import AppError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 200
# PDF, PNG, JPEG, GIF: a file of another kind, named .csv or not
BINARY = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kind_of(name: str, content: bytes) -> str:
    """xlsx or csv, by what the bytes are (a zip holding a workbook, or text), not by the
    name alone; AppError (400) for anything else."""
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            pass
        raise AppError("not_a_spreadsheet", _("This file is not an Excel workbook (.xlsx) or "
                                              "a CSV file."), field="file")
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise AppError("old_excel", _("This is an old Excel file (.xls). Save it as .xlsx "
                                      "(Excel workbook) or CSV and upload it again."),
                       field="file")
    if b"\x00" in content[:4096] or content.startswith(BINARY) or \
            name.lower().endswith((".xlsx", ".xlsm")):
        raise AppError("not_a_spreadsheet", _("This file is not an Excel workbook (.xlsx) or "
                                              "a CSV file."), field="file")
    return "csv"


def decoded(content: bytes) -> str:
    """CSV text: UTF-8 (with or without the byte-order mark Excel writes), else GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AppError("encoding", _("The CSV file is neither UTF-8 nor GBK text."), field="file")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else \
            value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_of(name: str, content: bytes) -> Iterator[list[str]]:
    """Every row of the file as text cells (the header first). AppError (400) for a file
    that is none of the kinds taken, too large, or empty."""
    if not content:
        raise AppError("empty_file", _("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.")
                       % {"n": MAX_BYTES // (1024 * 1024)}, field="file")
    if kind_of(name, content) == "xlsx":
        return _xlsx_rows(content)
    return ([cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(decoded(content))))


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise AppError("not_a_spreadsheet", _("The Excel file could not be read. Save it "
                                              "again in Excel and upload it."),
                       field="file") from exc

    def walk():
        try:
            for row in book.active.iter_rows(values_only=True):
                yield [cell_text(v) for v in row[:MAX_COLUMNS]]
        finally:
            book.close()
    return walk()


def table(name: str, content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number in the file, cells)]) with blank rows left out and each row as
    wide as the header; AppError when there is no header or no data row, or too many rows."""
    rows = rows_of(name, content)
    header: list[str] | None = None
    data: list[tuple[int, list[str]]] = []
    for number, row in enumerate(rows, start=1):
        if header is None:
            if any(row):
                header = [c.strip() for c in row[:MAX_COLUMNS]]
                while header and not header[-1]:
                    header.pop()
            continue
        if not any(row):
            continue
        width = len(header)
        data.append((number, (row + [""] * width)[:width] if len(row) != width else row))
        if len(data) > MAX_ROWS:
            raise AppError("too_many_rows", _("At most %(n)d rows per file: split the file.")
                           % {"n": MAX_ROWS}, field="file")
    if not header:
        raise AppError("empty_file", _("The file is empty."), field="file")
    if not data:
        raise AppError("no_rows", _("The file has a header row but no members below it."),
                       field="file")
    return header, data


def head(name: str, content: bytes, count: int) -> list[list[str]]:
    """The first `count` non-blank data rows (below the header), read no further."""
    rows = []
    header_seen = False
    for row in rows_of(name, content):
        if not any(row):
            continue
        if not header_seen:
            header_seen = True
            continue
        rows.append(row)
        if len(rows) >= count:
            break
    return rows
