"""The summary table's periodic refresh (beat: `platform-stats`, every 15 minutes)."""

from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_public_schema_name

from tenants.models import Association


@shared_task(name="platform_stats.refresh_all")
def summaries_refresh_all() -> int:
    """Queue one refresh per association, each its own task: a slow or failing association
    holds up no other, and several workers share the work."""
    ids = list(Association.objects.exclude(schema_name=get_public_schema_name())
               .order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        summary_refresh_one.delay(pk)
    return len(ids)


@shared_task(name="platform_stats.refresh_one")
def summary_refresh_one(association_id: int) -> None:
    from shared_apps.platform_stats.services import summary_refresh

    association = Association.objects.filter(pk=association_id).first()
    if association is not None:  # deleted since it was queued
        summary_refresh(association)
