from __future__ import annotations

from shared_apps.operations.models import AssociationExport
from tenants.models import Association


def exports_of(association: Association, limit: int = 20) -> list[AssociationExport]:
    return list(AssociationExport.objects.filter(association=association)
                .select_related("requested_by")[:limit])


def export_ready(public_id) -> AssociationExport | None:
    return AssociationExport.objects.filter(public_id=public_id, status="done").first()
