"""What a file really is, from its first bytes and (for ZIP containers) its directory; the
name the uploader gave it is not trusted. No external library: the signatures are few."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class Sniffed:
    kind: str  # image | pdf | document | archive | executable | unknown
    content_type: str
    extension: str


_SIGNATURES = [
    (b"\xff\xd8\xff", Sniffed("image", "image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", Sniffed("image", "image/png", "png")),
    (b"GIF87a", Sniffed("image", "image/gif", "gif")),
    (b"GIF89a", Sniffed("image", "image/gif", "gif")),
    (b"%PDF-", Sniffed("pdf", "application/pdf", "pdf")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Sniffed("document", "application/msword", "doc")),
    (b"Rar!\x1a\x07", Sniffed("archive", "application/vnd.rar", "rar")),
    (b"7z\xbc\xaf\x27\x1c", Sniffed("archive", "application/x-7z-compressed", "7z")),
    (b"MZ", Sniffed("executable", "application/x-msdownload", "exe")),
    (b"\x7fELF", Sniffed("executable", "application/x-executable", "bin")),
    (b"\xcf\xfa\xed\xfe", Sniffed("executable", "application/x-mach-binary", "bin")),
    (b"#!", Sniffed("executable", "text/x-shellscript", "sh")),
]
_OFFICE = {
    "word/": Sniffed("document", "application/vnd.openxmlformats-officedocument."
                     "wordprocessingml.document", "docx"),
    "xl/": Sniffed("document", "application/vnd.openxmlformats-officedocument."
                   "spreadsheetml.sheet", "xlsx"),
    "ppt/": Sniffed("document", "application/vnd.openxmlformats-officedocument."
                    "presentationml.presentation", "pptx"),
}
UNKNOWN = Sniffed("unknown", "application/octet-stream", "bin")


def sniff(fileobj: BinaryIO) -> Sniffed:
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp", "webp")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return UNKNOWN
        finally:
            fileobj.seek(0)
        if "[Content_Types].xml" in names:
            for prefix, kind in _OFFICE.items():
                if any(n.startswith(prefix) for n in names):
                    return kind
        if any(n.lower().endswith((".exe", ".dll", ".bat", ".cmd", ".scr", ".js", ".vbs"))
               for n in names):
            return Sniffed("executable", "application/zip", "zip")
        return Sniffed("archive", "application/zip", "zip")
    for signature, result in _SIGNATURES:
        if head.startswith(signature):
            return result
    return UNKNOWN


# The extension a stored file gets: the one its content shows, never the one its name claims.
EXTENSIONS = {s.content_type: s.extension
              for s in [r for _, r in _SIGNATURES] + list(_OFFICE.values())}
EXTENSIONS.update({"image/webp": "webp", "application/zip": "zip", "text/csv": "csv"})


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type, UNKNOWN.extension)
