"""What a person reading a message would object to: a placeholder left in it, or English in a
Chinese association's message."""

from __future__ import annotations

import re

# Latin words allowed in Chinese messages: names a person is told to search or type.
ALLOWED_LATIN = {"czpj"}  # CACEM: 请在收件箱中搜索“czpj”（the e-receipt sender's mailbox）

_URL = re.compile(r"https?://\S+?(?=[\s）)，。]|$)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def unfilled(text: str) -> list[str]:
    return re.findall(r"\{[^{}]*\}|[{}]", text)


def english(text: str, *values: str) -> list[str]:
    """Latin words in `text`, leaving out addresses, email addresses and the values filled in
    (a member number such as CACEM00001 is a value, not wording)."""
    for value in sorted((v for v in values if v), key=len, reverse=True):
        text = text.replace(value, " ")
    text = _EMAIL.sub(" ", _URL.sub(" ", text))
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in ALLOWED_LATIN]


def problems(message) -> list[str]:
    """What is wrong with an outbox message, as a reader sees it."""
    found = []
    for part in (message.subject, message.body):
        found += [f"unfilled {p!r}" for p in unfilled(part)]
        found += [f"English {w!r}" for w in english(part, *message.params.values())]
    return found
