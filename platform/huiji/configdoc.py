"""Reading an association's configuration document (its profile as stored in a revision)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def keyed_nodes(document: Any) -> Iterator[dict]:
    """Every mapping with a text `key` anywhere in `document` (form fields, groups'
    sub-fields, record layouts, council forms...), in document order, a node before what it
    holds."""
    if isinstance(document, dict):
        if isinstance(document.get("key"), str):
            yield document
        for value in document.values():
            yield from keyed_nodes(value)
    elif isinstance(document, list):
        for value in document:
            yield from keyed_nodes(value)
