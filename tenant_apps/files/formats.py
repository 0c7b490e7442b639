"""Which file formats an upload accepts, from the configuration alone.

An upload requirement (and an image question) names its accepted `formats` (jpg, png, pdf,
...), or only broad `kinds` whose usual formats are then taken. The server's check (by the
content, `sniff.py`), the line "JPG、PNG、PDF" the page shows and the file picker's `accept`
are all derived here from that one list, so the page cannot promise what the server
refuses, or the other way round."""

from __future__ import annotations

# format -> (kind, MIME types and extensions for the file picker's `accept`). The formats
# are the extensions `sniff.py` gives; "doc" is every legacy Office file (OLE container).
FORMATS: dict[str, tuple[str, str]] = {
    "jpg": ("image", "image/jpeg,.jpg,.jpeg"),
    "png": ("image", "image/png,.png"),
    "gif": ("image", "image/gif,.gif"),
    "webp": ("image", "image/webp,.webp"),
    "pdf": ("pdf", "application/pdf,.pdf"),
    "doc": ("document", "application/msword,.doc,.xls,.ppt"),
    "docx": ("document", ".docx"),
    "xlsx": ("document", ".xlsx"),
    "pptx": ("document", ".pptx"),
    "zip": ("archive", ".zip"),
    "rar": ("archive", ".rar"),
    "7z": ("archive", ".7z"),
}
# The formats a kind stands for when no `formats` are given. An image is JPG or PNG (what
# the pages and the manuals say); GIF and WebP only where a profile names them.
KIND_FORMATS: dict[str, tuple[str, ...]] = {
    "image": ("jpg", "png"),
    "pdf": ("pdf",),
    "document": ("doc", "docx", "xlsx", "pptx"),
    "archive": ("zip", "rar", "7z"),
}


def accepted_formats(spec: dict, *, default_kinds: tuple[str, ...] = ("image",)) -> list[str]:
    """The formats of an upload or image-question spec: its `formats`, else those of its
    `kinds` (an image question has none: images)."""
    if spec.get("formats"):
        return list(spec["formats"])
    out: list[str] = []
    for kind in spec.get("kinds") or default_kinds:
        out.extend(f for f in KIND_FORMATS.get(kind, ()) if f not in out)
    return out


def formats_label(formats: list[str]) -> str:
    """"JPG、PNG、PDF": what the page says is accepted."""
    return "、".join(f.upper() for f in formats)


def formats_accept(formats: list[str]) -> str:
    """The file picker's `accept` attribute for these formats."""
    return ",".join(FORMATS[f][1] for f in formats if f in FORMATS)
