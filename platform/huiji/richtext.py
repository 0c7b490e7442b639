"""Rich text answers (Jiangsu's 单位介绍): HTML from the editor (static/vendor/quill-*), kept
only as far as the allow-list below, with nh3 (the Ammonia sanitiser) before it is stored and
again wherever it is shown. Script, event handlers, style, images and javascript: links never
survive; paragraphs, headings, bold/italic/underline, lists and http(s)/mailto links do.
Generated PDFs get the plain text (`plain_text`), which huiji.pdf escapes like any answer."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "ol", "ul", "li", "a", "h2", "h3",
        "blockquote"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_BLOCK_END = re.compile(r"</(p|li|h2|h3|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def sanitize(value: str) -> str:
    """The allowed part of `value`. Idempotent, so showing stored rich text may sanitise it
    again."""
    return nh3.clean(str(value or ""), tags=TAGS, attributes=ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow",
                     strip_comments=True).strip()


def safe_html(value: str) -> SafeString:
    """Rich text to put in a page as HTML."""
    return mark_safe(sanitize(value))  # noqa: S308 - sanitised just above


def plain_text(value: str) -> str:
    """Rich text as text: one line per paragraph, list item or break, tags dropped, entities
    decoded (the PDF escapes the result itself)."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", sanitize(value)))
    lines = (" ".join(html.unescape(line).replace("\xa0", " ").split())
             for line in text.splitlines())
    return "\n".join(line for line in lines if line)
