from celery import shared_task


@shared_task(name="imports.run")
def import_run_task(member_import_id: int) -> str:
    """Write a queued import (runs in the schema it was queued from: tenant-schemas-celery)."""
    from tenant_apps.dashboards.tasks import dashboard_refresh_task
    from tenant_apps.imports.services import import_run

    done = import_run(member_import_id)
    # The members it wrote are in the list at once; the dashboard's figures follow now rather
    # than at night (docs/dashboards.md), so its numbers equal the lists behind them.
    if done.created_count or done.updated_count:
        dashboard_refresh_task.delay()
    return done.status
