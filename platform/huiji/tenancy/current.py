"""The association whose schema the connection is in, wherever the code runs (a request, a
Celery task, a management command under schema_context)."""

from __future__ import annotations

from django.db import connection


def current_association():
    from tenants.models import Association

    tenant = getattr(connection, "tenant", None)
    if tenant is not None and hasattr(tenant, "name"):
        return tenant
    return Association.objects.filter(schema_name=connection.schema_name).first()
