from celery import shared_task


@shared_task(name="privacy.export")
def data_export_task(export_id: int) -> str:
    """Prepare one member's 我的数据 file in the association it was asked in."""
    from tenant_apps.privacy.services import data_export_prepare

    return data_export_prepare(export_id)
