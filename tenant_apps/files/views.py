from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404

from tenant_apps.files.selectors import private_file_for_user


@login_required
def download(request, public_id):
    record = private_file_for_user(user=request.user, public_id=public_id)
    if record is None:
        raise Http404
    response = FileResponse(record.file.open("rb"), content_type=record.content_type,
                            as_attachment=True, filename=record.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
