from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from tenant_apps.accounts.models import Role


def hq_admin_required(view):
    """Configuration is changed by HQ administrators only. Other staff see a clear refusal;
    anonymous visitors are sent to log in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_role(Role.HQ_ADMIN):
            return render(request, "configuration/manage/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
