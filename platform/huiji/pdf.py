"""What every generated PDF (the application form, the borrowing request) is built with: the
embedded CJK font, and paragraphs that show text exactly as it was typed.

ReportLab's Paragraph reads its text as markup: `<b>` and `<font size=100>` restyle the
document, `<img src="path"/>` draws any file the server can read, and a stray `<` fails the
whole build. So no text reaches a Paragraph except through `text_paragraph`, which escapes
it; the layout's own line breaks are written as newlines. Nothing here draws images: if a PDF
ever shows one, it is read from the owner's stored upload (a PrivateFile found by id through
the files app), never from a path in text."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

FONT = "HuijiCJK"
# Quotes too, so that escaped text is safe inside an attribute as well as between tags.
_QUOTES = {'"': "&quot;", "'": "&#39;"}


def cjk_font_path() -> str:
    """The CJK font file: settings.CJK_FONT_PATH, or the one installed from PyPI."""
    path = settings.CJK_FONT_PATH
    if not path:
        import paperang_p2_fonts_cjk

        path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    return str(path)


@cache
def cjk_font() -> str:
    """Register the CJK font (once per process) and return its name. ReportLab embeds the
    subset used, so the PDF reads the same on any machine."""
    pdfmetrics.registerFont(TTFont(FONT, cjk_font_path(), subfontIndex=0))
    return FONT


def text_paragraph(text, style) -> Paragraph:
    """A paragraph showing `text` literally, its line breaks kept as line breaks."""
    lines = str(text).splitlines()
    # <br/> only goes in after escaping: it is the one tag this paragraph may contain.
    return Paragraph("<br/>".join(escape(line, _QUOTES) for line in lines), style)
