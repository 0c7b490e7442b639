"""The operator console's summary table (public schema): one row per association with its
figures, and a small daily history for the trend lines. Written only by
`platform_stats.services` (the periodic task, the management command, the 立即刷新 button),
read by the console page; the page never opens an association's schema (docs/operations.md,
"Operator console")."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class AssociationSummary(models.Model):
    association = models.OneToOneField("tenants.Association", on_delete=models.CASCADE,
                                       related_name="summary")
    members_active = models.PositiveIntegerField(default=0)
    members_new_30d = models.PositiveIntegerField(default=0)
    applications_open = models.PositiveIntegerField(default=0)
    applications_stalled = models.PositiveIntegerField(default=0)
    revenue_month_fen = models.PositiveBigIntegerField(default=0)
    revenue_year_fen = models.PositiveBigIntegerField(default=0)
    # Orders settled in the last 30 days: paid (paid, confirmed, refunded) or failed (expired,
    # cancelled). The rate is kept as well so the page can sort by it; null without any.
    payments_ok_30d = models.PositiveIntegerField(default=0)
    payments_failed_30d = models.PositiveIntegerField(default=0)
    payment_success_permille = models.PositiveSmallIntegerField(null=True, blank=True)
    outbox_pending = models.PositiveIntegerField(default=0)
    outbox_stuck = models.PositiveIntegerField(default=0)  # pending for over an hour
    outbox_failed_7d = models.PositiveIntegerField(default=0)
    errors_24h = models.PositiveIntegerField(default=0)
    storage_files_bytes = models.PositiveBigIntegerField(default=0)
    storage_db_bytes = models.PositiveBigIntegerField(default=0)
    last_staff_activity_at = models.DateTimeField(null=True, blank=True)
    # Reason codes of platform_stats.attention (empty: nothing needs attention); the page
    # colours the row and writes each reason.
    attention = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    # Active members on each of the last 30 days, oldest first (copied from the daily rows so
    # the page draws every sparkline from this one row).
    trend_members = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["members_active"], name="summary_members"),
                   models.Index(fields=["revenue_year_fen"], name="summary_revenue_year")]

    def __str__(self) -> str:
        return f"{self.association_id}: {self.members_active} members"

    @property
    def storage_bytes(self) -> int:
        return self.storage_files_bytes + self.storage_db_bytes

    @property
    def payment_success_percent(self) -> float | None:
        if self.payment_success_permille is None:
            return None
        return self.payment_success_permille / 10


class AssociationDay(models.Model):
    """One association's figures at the end of a day (the last refresh of that day wins)."""

    association = models.ForeignKey("tenants.Association", on_delete=models.CASCADE,
                                    related_name="+")
    day = models.DateField()
    members_active = models.PositiveIntegerField(default=0)
    revenue_fen = models.PositiveBigIntegerField(default=0)  # confirmed on that day
    outbox_failed = models.PositiveIntegerField(default=0)  # failed messages made that day
    errors = models.PositiveIntegerField(default=0)  # errors in the 24 hours before the refresh

    class Meta:
        constraints = [models.UniqueConstraint(fields=["association", "day"],
                                               name="association_day_unique")]
        indexes = [models.Index(fields=["day"], name="association_day_day")]

    def __str__(self) -> str:
        return f"{self.association_id} {self.day}"
