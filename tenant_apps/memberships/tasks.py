from celery import shared_task


@shared_task(name="memberships.lifecycle")
def membership_lifecycle_task() -> dict:
    """The nightly lifecycle job in the current association (beat runs it in every one)."""
    from tenant_apps.memberships.lifecycle import lifecycle_run

    done = dict(lifecycle_run())
    # The members it moved change the dashboard's figures (docs/dashboards.md).
    from tenant_apps.dashboards.tasks import dashboard_refresh_task

    dashboard_refresh_task.delay()
    return done
