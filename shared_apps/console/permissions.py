from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


def operator_required(view):
    """Operators only. Anyone else signed in gets 404: the console does not announce itself."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_operator:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
