from celery import shared_task


@shared_task(name="memberships.lifecycle")
def membership_lifecycle_task() -> dict:
    """The nightly lifecycle job in the current association (beat runs it in every one)."""
    from tenant_apps.memberships.lifecycle import lifecycle_run

    return dict(lifecycle_run())
