"""The dashboard's summary rows: every figure of `/manage/dashboard/`, computed by a task
(nightly, after the lifecycle job, and on demand) so that the page reads one row per scope
however many members there are (docs/dashboards.md).

One row for the whole association (`scope="all"`) and one per branch (`scope=<branch id>`).
The figures are counts and sums only, so a branch administrator of two branches sees the two
rows added up; rates are worked out when shown.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ALL = "all"


class DashboardSnapshot(models.Model):
    scope = models.CharField(max_length=20, unique=True)  # "all" or a branch's id
    branch = models.ForeignKey("configuration.Branch", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    # As of this day (the 30/60/90-day windows and the months are counted from it).
    as_of = models.DateField()
    figures = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("dashboard summary")
        verbose_name_plural = _("dashboard summaries")

    def __str__(self) -> str:
        return f"{self.scope} {self.as_of}"
