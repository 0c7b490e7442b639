"""Media storage with a per-association prefix.

Every file is stored under `tenants/<schema>/` of the storage root (local folder or S3 bucket).
The prefix is added when a name is resolved, not saved into the name, so a file name read in
one association's schema can never resolve to another association's file.
"""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.utils._os import safe_join
from storages.backends.s3 import S3Storage


def tenant_prefix() -> str:
    return f"tenants/{connection.schema_name}"


class TenantFileSystemStorage(FileSystemStorage):
    def path(self, name: str) -> str:
        return safe_join(self.location, tenant_prefix(), name)

    def url(self, name):  # media is private: files go out through views that check access
        raise NotImplementedError("Private media has no public URL; serve it through a view.")


class TenantS3Storage(S3Storage):
    def _normalize_name(self, name: str) -> str:
        return super()._normalize_name(f"{tenant_prefix()}/{name}")
