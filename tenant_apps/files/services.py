from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from huiji.audit.services import audit_record
from tenant_apps.files.models import PrivateFile


@transaction.atomic
def private_file_store(*, acting_user, owner, uploaded: UploadedFile,
                       content_type: str) -> PrivateFile:
    """Store an upload privately for `owner`. Content checks (kind, size) belong to the caller's
    upload rules; this only stores. If the row cannot be written the file is removed again.
    (A rollback of the caller's transaction after this returns leaves an orphan file, which
    holds no data anyone can reach: no row points at it.)"""
    record = PrivateFile(owner=owner, original_name=uploaded.name[:255],
                         content_type=content_type, size=uploaded.size)
    record.file.save(uploaded.name, uploaded, save=False)
    try:
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    audit_record(actor=acting_user, action="file.stored", target=record,
                 data={"name": record.original_name, "size": record.size})
    return record
