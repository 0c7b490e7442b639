"""Reads of the public schema: associations for the operator console and metrics."""

from __future__ import annotations

from django.db.models import Count
from django_tenants.utils import get_public_schema_name

from tenants.models import Association


def association_counts_by_status() -> dict[str, int]:
    rows = (Association.objects.exclude(schema_name=get_public_schema_name())
            .values("status").annotate(n=Count("id")))
    counts = {status: 0 for status in Association.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
