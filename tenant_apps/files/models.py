"""Private files: everything a member or the staff upload. Stored under the association's
prefix (huiji.storage) and served only through `files:download`, which checks access."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _upload_to(instance: PrivateFile, filename: str) -> str:
    # The original name is kept in a column; the stored name is random so it reveals nothing.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/{instance.public_id.hex[:2]}/{instance.public_id.hex}.{suffix[:10]}"


class PrivateFile(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="files")
    file = models.FileField(upload_to=_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("private file")
        verbose_name_plural = _("private files")

    def __str__(self) -> str:
        return self.original_name
