from celery import shared_task


@shared_task(name="privacy.export")
def data_export_task(export_id: int) -> str:
    """Prepare one member's 我的数据 file in the association it was asked in."""
    from tenant_apps.privacy.models import DataExport
    from tenant_apps.privacy.services import data_export_prepare

    try:
        return data_export_prepare(export_id)
    except Exception:
        # 我的数据 shows 准备失败 and the member asks again; the error goes to the log/Sentry
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.PREPARING).update(
            status=DataExport.Status.FAILED)
        raise
