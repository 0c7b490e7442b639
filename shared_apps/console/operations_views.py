"""Console pages of platform operations: health, and association exports (operators only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name

from huiji.audit.services import audit_record
from huiji.errors import AppError
from shared_apps.console.permissions import operator_required
from shared_apps.operations.health import platform_health
from shared_apps.operations.selectors import export_ready, exports_of
from shared_apps.operations.services import export_delete, export_request
from tenants.models import Association


@never_cache
@operator_required
def health(request):
    return render(request, "console/health.html", {"health": platform_health()})


def _association(slug: str) -> Association:
    return get_object_or_404(Association.objects.exclude(schema_name=get_public_schema_name()),
                             slug=slug)


@operator_required
def exports(request, slug):
    association = _association(slug)
    if request.method == "POST":
        try:
            export_request(acting_user=request.user, association=association)
        except AppError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The export has been queued; this page shows it when "
                                        "it is ready."))
        return redirect("console:association-exports", slug=association.slug)
    return render(request, "console/exports.html", {
        "target": association, "exports": exports_of(association)})


@never_cache
@operator_required
def export_download(request, public_id):
    export = export_ready(public_id)
    if export is None or not export.file:
        raise Http404
    try:
        handle = default_storage.open(export.file, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit_record(actor=request.user, action="association.export_downloaded",
                 target=export.association, data={"export": str(export.public_id)})
    return FileResponse(handle, as_attachment=True,
                        filename=export.file.rsplit("/", 1)[-1],
                        content_type="application/gzip")


@operator_required
@require_POST
def export_remove(request, public_id):
    try:
        export = export_delete(acting_user=request.user, public_id=public_id)
    except AppError as exc:
        messages.error(request, str(exc.message))
        export = None
    if export is None:
        raise Http404
    messages.success(request, _("The archive has been deleted."))
    return redirect("console:association-exports", slug=export.slug)
