"""A streaming writer of one-sheet Excel (xlsx) files: rows go straight into the zip's
deflate stream as they come, so an export of any size holds one row in memory. openpyxl's
write-only mode does the same but builds an element per cell; this writes the sheet's XML
text directly and is several times faster (docs/performance.md). Strings are inline strings
(no shared-string table to hold), numbers are numbers, dates are Excel dates shown
yyyy-mm-dd. Read back with openpyxl in the tests."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from typing import IO
from xml.sax.saxutils import escape

from django.utils import timezone

# Characters XML 1.0 cannot carry (control characters other than tab and newlines).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.date(1899, 12, 30)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""  # noqa: E501
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""  # noqa: E501
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""  # noqa: E501
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""  # noqa: E501
# Style 0: default; 1: a date shown yyyy-mm-dd; 2: the header row, bold.
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""  # noqa: E501
_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
                '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews>'
                '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>')
_SHEET_END = "</sheetData></worksheet>"


def _cell(value, header: bool = False) -> str:
    if value.__class__ is str and value and not header:  # most cells: plain text
        return ('<c t="inlineStr"><is><t xml:space="preserve">'
                f"{escape(_ILLEGAL.sub('', value))}</t></is></c>")
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, dt.datetime):
        # an aware time (stored in UTC) counts on the association's day, as pages show it
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if isinstance(value, dt.date):
        return f'<c s="1"><v>{(value - _EPOCH).days}</v></c>'
    text = escape(_ILLEGAL.sub("", str(value)))
    style = ' s="2"' if header else ""
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{text}</t></is></c>'


class SheetWriter:
    """with SheetWriter(fileobj, "会员") as sheet: sheet.header([...]); sheet.row([...])"""

    def __init__(self, fileobj: IO[bytes], title: str):
        self._zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED,
                                    compresslevel=1)
        title = escape(_ILLEGAL.sub("", title).translate(str.maketrans("", "", "[]:*?/\\"))
                       [:31] or "Sheet1", {'"': "&quot;"})
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("xl/workbook.xml", _WORKBOOK.format(name=title)),
                           ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/styles.xml", _STYLES)):
            self._zip.writestr(name, text)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._sheet.write(_SHEET_START.encode())
        self._buffer: list[str] = []

    def header(self, values) -> None:
        self._buffer.append("<row>" + "".join(_cell(v, True) for v in values) + "</row>")

    def row(self, values) -> None:
        self._buffer.append("<row>" + "".join(map(_cell, values)) + "</row>")
        if len(self._buffer) >= 500:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._sheet.write("".join(self._buffer).encode())
            self._buffer.clear()

    def close(self) -> None:
        self.flush()
        self._sheet.write(_SHEET_END.encode())
        self._sheet.close()
        self._zip.close()

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
