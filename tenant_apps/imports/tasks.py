from celery import shared_task


@shared_task(name="imports.run")
def import_run_task(member_import_id: int) -> str:
    """Write a queued import (runs in the schema it was queued from: tenant-schemas-celery)."""
    from tenant_apps.imports.services import import_run

    return import_run(member_import_id).status
