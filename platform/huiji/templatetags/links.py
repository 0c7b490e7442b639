"""`{{ text|links }}`: the web addresses in a plain-text message (the inbox) as links, the rest
escaped. Django's urlize finds only addresses standing alone between spaces; Chinese text
writes them straight after a full-width colon (续费后恢复：http://...)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

# An address ends at a space, a quote or angle bracket, or full-width punctuation.
ADDRESS = re.compile(r"https?://[^\s<>\"'，。；：！？（）、【】“”]+")


@register.filter
def links(text) -> str:
    text, out, last = str(text or ""), [], 0
    for found in ADDRESS.finditer(text):
        address = found.group(0).rstrip(".,;:!?)")
        out.append(escape(text[last:found.start()]))
        out.append(format_html('<a href="{}">{}</a>', address, address))
        last = found.start() + len(address)
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 (every part escaped above)
