"""Tasks that act on one association. tenant-schemas-celery runs each in the schema it was
queued from, so the code below reads "the current association" like a view does."""

from __future__ import annotations

from celery import current_app, shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from tenant_apps.accounts.models import User
from tenant_apps.portal.selectors import site_content
from tenants.models import Association


@shared_task(name="tenants.association_snapshot")
def association_snapshot() -> dict:
    """A small summary of the current association; used by the operator console's health view
    and by the test that proves tasks run in the right schema."""
    return {
        "schema": connection.schema_name,
        "accounts": User.objects.count(),
        "usernames": sorted(User.objects.values_list("username", flat=True))[:20],
        "name_en": site_content().name_en,
    }


@shared_task(name="tenants.for_each_association")
def for_each_association(task_name: str) -> int:
    """Queue `task_name` once in every active association's schema (beat runs this in the
    public schema; tenant-schemas-celery carries each schema to the worker)."""
    task = current_app.tasks[task_name]
    schemas = list(Association.objects.filter(status=Association.Status.ACTIVE)
                   .exclude(schema_name=get_public_schema_name())
                   .values_list("schema_name", flat=True))
    for schema in schemas:
        with schema_context(schema):
            task.delay()
    return len(schemas)
