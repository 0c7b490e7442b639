"""Platform operations (public schema): the last run of each beat job, and association
exports made from the console (docs/operations.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BeatRun(models.Model):
    """The last run of one entry of CELERY_BEAT_SCHEDULE, written by the worker that ran it
    (shared_apps.operations.beat): one row per job, overwritten each run."""

    job = models.CharField(max_length=100, unique=True)
    task = models.CharField(max_length=200)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    succeeded = models.BooleanField(null=True)  # None while it runs
    error = models.CharField(max_length=300, blank=True)
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.job


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    DELETED = "deleted", _("Deleted")


class AssociationExport(models.Model):
    """An archive of one association asked for in the console, made by a worker into the
    platform's own private storage (the public schema's prefix) and downloaded by operators."""

    public_id = models.UUIDField(unique=True)
    association = models.ForeignKey("tenants.Association", on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    slug = models.CharField(max_length=40)  # kept if the association is deleted later
    status = models.CharField(max_length=12, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    file = models.CharField(max_length=255, blank=True)  # name in the default storage
    size = models.PositiveBigIntegerField(null=True)
    sha256 = models.CharField(max_length=64, blank=True)
    tables = models.PositiveIntegerField(null=True)
    rows = models.PositiveBigIntegerField(null=True)
    files = models.PositiveIntegerField(null=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["association", "-created_at"],
                                name="export_association_newest")]

    def __str__(self) -> str:
        return f"{self.slug} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def expires_at(self):
        """When the nightly job deletes a made archive (operations.exports_expire)."""
        import datetime as dt

        if self.status != ExportStatus.DONE or self.finished_at is None:
            return None
        return self.finished_at + dt.timedelta(days=settings.ASSOCIATION_EXPORT_KEEP_DAYS)
