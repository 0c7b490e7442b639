from __future__ import annotations

import uuid

from tenant_apps.files.models import PrivateFile


def private_file_for_user(*, user, public_id: uuid.UUID | str) -> PrivateFile | None:
    """The file, if `user` may read it: its owner, or association staff. Otherwise None, which
    callers answer with 404 so that the existence of a file is not revealed."""
    if not user.is_authenticated:
        return None
    record = PrivateFile.objects.filter(public_id=public_id).first()
    if record is None:
        return None
    if record.owner_id == user.pk or user.is_association_staff:
        return record
    return None
