"""Association exports asked for in the console: queued here, made by a worker (tasks.py)."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from huiji.audit.services import audit_record
from huiji.errors import AppError
from shared_apps.operations.models import AssociationExport, ExportStatus
from shared_apps.operations.state import check_transition
from tenants.models import Association


def export_request(*, acting_user, association: Association) -> AssociationExport:
    """Queue an export of `association`. One at a time per association: asking again while
    one is queued or running returns that one (a double click makes one archive)."""
    if association.schema_name == get_public_schema_name():
        raise AppError("public_not_exportable", _("The platform itself cannot be exported."))
    with transaction.atomic():
        Association.objects.select_for_update().get(pk=association.pk)
        pending = AssociationExport.objects.filter(
            association=association, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
        ).first()
        if pending:
            return pending
        export = AssociationExport.objects.create(
            public_id=uuid.uuid4(), association=association, slug=association.slug,
            requested_by=acting_user if getattr(acting_user, "pk", None) else None)
        audit_record(actor=acting_user, action="association.export_requested",
                     target=association, data={"export": str(export.public_id)})

        def queue():
            from shared_apps.operations.tasks import export_run

            export_run.delay(str(export.public_id))

        transaction.on_commit(queue)
    return export


def _move(export_id: int, to: str, **values) -> AssociationExport | None:
    with transaction.atomic():
        export = AssociationExport.objects.select_for_update().get(pk=export_id)
        if to == ExportStatus.RUNNING and export.status != ExportStatus.QUEUED:
            return None  # delivered twice: the first delivery has it
        check_transition(export.status, to)
        export.status = to
        for key, value in values.items():
            setattr(export, key, value)
        export.save()
        return export


def export_make(public_id: str) -> AssociationExport | None:
    """Make the archive of a queued export into the platform's private storage."""
    from tenants.transfer import association_export

    connection.set_schema_to_public()
    export = AssociationExport.objects.filter(public_id=public_id).first()
    if export is None or _move(export.pk, ExportStatus.RUNNING) is None:
        return None
    try:
        if export.association is None:
            raise AppError("association_gone", _("The association no longer exists."))
        with tempfile.TemporaryDirectory(prefix="huiji-export-") as scratch:
            path = Path(scratch) / "archive.tar.gz"
            result = association_export(acting_user=export.requested_by,
                                        association=export.association, path=path)
            stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M%S")
            with path.open("rb") as data:
                name = default_storage.save(
                    f"association-exports/{export.slug}-{stamp}-{export.public_id.hex[:8]}"
                    ".tar.gz", File(data, name="archive.tar.gz"))
    except Exception as exc:
        connection.set_schema_to_public()
        message = str(exc.message) if isinstance(exc, AppError) else type(exc).__name__
        return _move(export.pk, ExportStatus.FAILED, error=message[:300],
                     finished_at=timezone.now())
    return _move(export.pk, ExportStatus.DONE, file=name, size=result.size,
                 sha256=result.sha256, tables=result.tables, rows=result.rows,
                 files=result.files, finished_at=timezone.now())


def export_delete(*, acting_user, public_id, action: str = "association.export_deleted") \
        -> AssociationExport | None:
    """Remove a made archive from storage (it holds personal data: keep it no longer than
    needed). Twice is once: an export already deleted is left as it is."""
    with transaction.atomic():
        export = (AssociationExport.objects.select_for_update()
                  .filter(public_id=public_id).first())
        if export is None or export.status == ExportStatus.DELETED:
            return export
        check_transition(export.status, ExportStatus.DELETED)
        name = export.file
        export.status, export.file = ExportStatus.DELETED, ""
        export.save(update_fields=["status", "file"])
        audit_record(actor=acting_user, action=action,
                     target=export.association, data={"export": str(export.public_id)})
        transaction.on_commit(lambda: default_storage.delete(name))
    return export


def exports_expire(now: dt.datetime | None = None) -> int:
    """Delete the archives made more than ASSOCIATION_EXPORT_KEEP_DAYS ago (nightly, beat
    `association-exports-expire`): an archive holds every member's personal data, so one an
    operator forgot does not stay in storage for ever. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.ASSOCIATION_EXPORT_KEEP_DAYS)
    due = AssociationExport.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff)
    deleted = 0
    for public_id in due.values_list("public_id", flat=True):
        export_delete(acting_user=None, public_id=public_id,
                      action="association.export_expired")
        deleted += 1
    return deleted
