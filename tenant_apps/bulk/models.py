"""Actions on many members at once (docs/bulk.md): an export to Excel, a message by SMS,
e-mail or inbox, adding to a branch. Each is a job run by a Celery task, which resolves the
members from the filters or the selection it was given (never the request), in the scope of
the staff member who asked, and counts its progress here for the page to poll."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _export_path(job: BulkJob, filename: str) -> str:
    from pathlib import PurePosixPath

    # The file's kind from our own name for it (.xlsx, .zip, .pdf), never from user text.
    return f"exports/{job.public_id.hex}{PurePosixPath(filename).suffix}"


class BulkJob(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Export to Excel")
        MESSAGE = "message", pgettext_lazy("bulk action", "Send a message")
        BRANCH = "branch", _("Add to a branch")
        CERTIFICATES = "certificates", _("Download certificates")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="+")
    # The member list's filters ({param: [values]}) or the selection ({"number": [...]}).
    params = models.JSONField(default=dict, blank=True)
    # export: the column keys chosen (bulk/columns.py); message: {"channels", "subject",
    # "body"}; branch: {"branch": code, "reason"}; certificates: {"format": "zip" | "pdf"}.
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Messages written to the outbox (a member may have no phone or e-mail).
    written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_path, max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # An export's file is deleted after this (bulk.services.bulk_expire).
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
