from celery import shared_task


@shared_task(name="operations.export_run")
def export_run(public_id: str) -> str | None:
    """Make one association's archive (queued from the console, in the public schema)."""
    from shared_apps.operations.services import export_make

    export = export_make(public_id)
    return export.status if export else None


@shared_task(name="operations.exports_expire")
def exports_expire() -> int:
    """Delete association archives older than ASSOCIATION_EXPORT_KEEP_DAYS."""
    from shared_apps.operations.services import exports_expire as expire

    return expire()
