from celery import shared_task


@shared_task(name="dashboards.refresh")
def dashboard_refresh_task() -> int:
    """The dashboard's summary rows of the current association (beat runs it nightly in
    every one; the lifecycle job queues it when it has run; staff may ask for it)."""
    from tenant_apps.dashboards.services import dashboard_refresh

    return dashboard_refresh()
