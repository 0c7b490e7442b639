"""Tasks that act on one association. tenant-schemas-celery runs each in the schema it was
queued from, so the code below reads "the current association" like a view does."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from tenant_apps.accounts.models import User
from tenant_apps.portal.selectors import site_content


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
