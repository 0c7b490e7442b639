"""Reads of the public schema: associations for the operator console and metrics."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count
from django_tenants.utils import get_public_schema_name

from tenants.models import Association
from tenants.schemas import quote


def associations() -> list[Association]:
    """Every association, without the platform's own public-schema row."""
    return list(Association.objects.exclude(schema_name=get_public_schema_name())
                .prefetch_related("domains").order_by("name"))


def association_counts_by_status() -> dict[str, int]:
    rows = (Association.objects.exclude(schema_name=get_public_schema_name())
            .values("status").annotate(n=Count("id")))
    counts = {status: 0 for status in Association.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


@dataclass(frozen=True)
class AssociationStats:
    users: int
    staff: int


def association_stats(schemas: list[str]) -> dict[str, AssociationStats]:
    """Account counts of many associations in one query (a UNION over their schemas)."""
    if not schemas:
        return {}
    staff = "ARRAY['hq_admin','branch_admin','reviewer','finance','secretariat']::varchar[]"
    # Schema names come from the tenants table and pass through quote().
    parts = [f"SELECT %s, count(*), count(*) FILTER (WHERE roles && {staff}) "  # noqa: S608
             f"FROM {quote(s)}.accounts_user" for s in schemas]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), schemas)
        return {schema: AssociationStats(users, staff) for schema, users, staff in cursor}
