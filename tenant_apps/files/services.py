from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from huiji.audit.services import audit_record
from tenant_apps.files.models import PrivateFile
from tenant_apps.files.sniff import extension_for


def shown_name(name: str, content_type: str) -> str:
    """The name a person sees and downloads: the uploader's, without control or direction
    characters (U+202E turns "gnp.exe" into "exe.png" on screen), ending in the extension the
    content shows rather than the one the name claims."""
    cleaned = "".join(c for c in PurePosixPath(name.replace("\\", "/")).name
                      if unicodedata.category(c) not in ("Cc", "Cf")).strip() or "file"
    stem = cleaned.rsplit(".", 1)[0] if "." in cleaned.lstrip(".") else cleaned
    return f"{stem[:240]}.{extension_for(content_type)}"


@transaction.atomic
def private_file_store(*, acting_user, owner, uploaded: UploadedFile,
                       content_type: str) -> PrivateFile:
    """Store an upload privately for `owner`. Content checks (kind, size) belong to the caller's
    upload rules; this only stores. If the row cannot be written the file is removed again.
    (A rollback of the caller's transaction after this returns leaves an orphan file, which
    holds no data anyone can reach: no row points at it.)"""
    name = shown_name(uploaded.name or "", content_type)
    record = PrivateFile(owner=owner, original_name=name, content_type=content_type,
                         size=uploaded.size)
    record.file.save(name, uploaded, save=False)
    try:
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    audit_record(actor=acting_user, action="file.stored", target=record,
                 data={"name": record.original_name, "size": record.size})
    return record
