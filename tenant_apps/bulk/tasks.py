from celery import shared_task


@shared_task(name="bulk.run")
def bulk_run_task(job_id: int) -> str:
    """Run one bulk action (export, message, branch) in the association it was asked in."""
    from tenant_apps.bulk.services import bulk_run

    return bulk_run(job_id)


@shared_task(name="bulk.expire")
def bulk_expire_task() -> int:
    """Delete exported files past their time in the current association (beat, hourly)."""
    from tenant_apps.bulk.services import bulk_expire

    return bulk_expire()
