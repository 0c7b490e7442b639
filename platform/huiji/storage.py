"""Media storage with a per-association prefix.

Every file is stored under `tenants/<schema>/` of the storage root (local folder or S3 bucket).
The prefix is added when a name is resolved, not saved into the name, so a file name read in
one association's schema can never resolve to another association's file.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.utils._os import safe_join
from storages.backends.s3 import S3Storage
from storages.utils import safe_join as s3_safe_join


def tenant_prefix() -> str:
    return f"tenants/{connection.schema_name}"


class TenantFileSystemStorage(FileSystemStorage):
    def path(self, name: str) -> str:
        # Joined in two steps so that "../other/..." cannot climb into another association's
        # folder: the name must stay inside this association's own root.
        return safe_join(safe_join(self.location, tenant_prefix()), name)

    def _save(self, name, content):
        # Django returns the name relative to the storage root, which includes our prefix;
        # the stored name must not (path() adds it on every access).
        saved = super()._save(name, content)
        prefix = tenant_prefix() + "/"
        return saved[len(prefix):] if saved.startswith(prefix) else saved

    def url(self, name):  # media is private: files go out through views that check access
        raise NotImplementedError("Private media has no public URL; serve it through a view.")


class TenantS3Storage(S3Storage):
    def _normalize_name(self, name: str) -> str:
        # As above: resolve the name inside the association's prefix first, so "../" cannot
        # reach a sibling prefix (storages' safe_join raises ValueError when it would).
        try:
            inside = s3_safe_join(tenant_prefix(), name)
        except ValueError as exc:
            raise SuspiciousFileOperation(f"Access to {name!r} is outside the prefix.") from exc
        return super()._normalize_name(inside)
