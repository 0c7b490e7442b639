from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.clickjacking import xframe_options_sameorigin

from tenant_apps.files.selectors import private_file_for_user

# What a browser may show in place: pictures and PDFs (types set by content sniffing,
# files/sniff.py). Anything else is always a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp",
                          "application/pdf"})


def _response(request, public_id, *, inline: bool):
    record = private_file_for_user(user=request.user, public_id=public_id)
    if record is None:
        raise Http404
    inline = inline and record.content_type in INLINE_TYPES
    response = FileResponse(record.file.open("rb"), content_type=record.content_type,
                            as_attachment=not inline, filename=record.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def download(request, public_id):
    return _response(request, public_id, inline=False)


@login_required
@xframe_options_sameorigin
def view(request, public_id):
    """The same file and the same permission check, shown in the browser (a reviewer reads a
    scan or a PDF on the review page, embedded from this same site)."""
    response = _response(request, public_id, inline=True)
    # embedded by our own pages only (the site's policy says frame-ancestors 'none')
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response
