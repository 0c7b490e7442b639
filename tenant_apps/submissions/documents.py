"""What a submitted document is, by its content: a Word document (.doc, the OLE2 compound
file of Word 97-2003 with its "WordDocument" stream; or .docx, a ZIP with
[Content_Types].xml and word/document.xml), within the size the profile allows. The name
the member gave it is not trusted: an .exe renamed .docx is refused.

A .docx's text is read here once, at upload, for the public 会员动态 page: paragraphs of plain
text, which the page prints escaped. No markup of the document ever reaches a page, and its
pictures stay in the document (downloadable from the article)."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.files.sniff import Sniffed, sniff

WORD_FORMATS = ("doc", "docx")
# The text kept: far more than the manual's 800 characters, bounded all the same.
BODY_MAX = 20000
# document.xml larger than this once inflated is not an 800-word article (a ZIP bomb).
XML_MAX = 20 * 1024 * 1024
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def _refused() -> AppError:
    return AppError("submission_not_word", _(
        "Only Word documents (.doc or .docx) can be submitted; this file is not one."),
        field="document", status=400)


def document_checked(uploaded, *, max_size_mb: int) -> tuple[Sniffed, str]:
    """(what the file is, the text of a .docx) or AppError (400) saying why not."""
    if uploaded is None:
        raise AppError("submission_no_document", _("Choose the document to submit."),
                       field="document", status=400)
    if uploaded.size > max_size_mb * 1024 * 1024:
        raise AppError("submission_too_large", _(
            "The document is larger than %(n)d MB. Make the pictures in it smaller and "
            "try again.") % {"n": max_size_mb}, field="document", status=400)
    found = sniff(uploaded)
    if found.extension not in WORD_FORMATS:
        raise _refused()
    uploaded.seek(0)
    content = uploaded.read()
    uploaded.seek(0)
    if found.extension == "doc":
        # Excel and PowerPoint 97-2003 files are OLE2 containers too; Word's has this stream.
        if _WORD_STREAM not in content:
            raise _refused()
        return found, ""
    return found, docx_text(content)


def docx_text(content: bytes) -> str:
    """The paragraphs of a .docx, one a line, tabs and breaks as spaces and new lines."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo("word/document.xml")
            # read at most XML_MAX + 1 bytes whatever the directory claims (a ZIP bomb)
            with archive.open(info) as member:
                xml = member.read(XML_MAX + 1)
    except (KeyError, zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
        raise _refused() from None
    if len(xml) > XML_MAX:
        raise _refused()
    # A Word document declares no DTD; one that does is refused before parsing (entities).
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise _refused()
    paragraphs: list[str] = []
    current: list[str] = []
    try:
        # No DTD (refused above), so no entity expansion; expat resolves no external entities.
        for _event, element in ElementTree.iterparse(io.BytesIO(xml),  # noqa: S314
                                                     events=("end",)):
            tag = element.tag
            if tag == f"{_W}t":
                current.append(element.text or "")
            elif tag == f"{_W}tab":
                current.append(" ")
            elif tag in (f"{_W}br", f"{_W}cr"):
                current.append("\n")
            elif tag == f"{_W}p":
                paragraphs.append("".join(current).strip())
                current = []
                element.clear()
    except ElementTree.ParseError:
        raise _refused() from None
    text = "\n".join(p for p in paragraphs if p)
    return text[:BODY_MAX]
