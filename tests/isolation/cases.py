"""The tenant-isolation registry: one entry per kind of object an association owns.

Every feature that adds an object reachable by URL, API or file adds a case here. Each case
makes an object in one association (as `owner_role`) and names the URL that reaches it; the
suite then proves that nobody from another association gets anything but 404 for it, whether
asking on their own host or carrying a session to the owner's host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from tenant_apps.accounts.models import User
from tenant_apps.files.services import private_file_store


@dataclass(frozen=True)
class IsolationCase:
    name: str
    channel: str  # "page", "api" or "file"
    owner_role: str
    # Called inside the owning association's schema; returns the object's path.
    make: Callable[[User], str]
    # Roles allowed to open this kind of page at all. Others are refused (403) before any
    # lookup, which reveals nothing; within these roles a foreign object must be 404.
    roles: frozenset[str] | None = None


def _user_api(owner: User) -> str:
    return f"/api/v1/users/{owner.public_id}/"


def _private_file(owner: User) -> str:
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 private", "application/pdf")
    record = private_file_store(acting_user=owner, owner=owner, uploaded=upload,
                                content_type="application/pdf")
    return f"/files/{record.public_id}/"


def _config_field(owner: User) -> str:
    from tenant_apps.configuration.models import FormField

    field = FormField.objects.filter(step__member_type__code="senior").first()
    return f"/manage/config/types/senior/fields/{field.pk}/"


CASES = [
    IsolationCase("account via API", "api", "member", _user_api),
    IsolationCase("private upload", "file", "member", _private_file),
    IsolationCase("configuration form field", "page", "hq_admin", _config_field,
                  roles=frozenset({"hq_admin"})),
]
