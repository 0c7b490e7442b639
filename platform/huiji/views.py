"""Views that belong to no app: the unknown-host page and the liveness ping."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def unknown_host(request):
    """A host that is neither the platform nor a known association: a real 404 page, so a
    mistyped subdomain never falls through to some association's data."""
    return render(request, "huiji/unknown_host.html", {"host": request.get_host()}, status=404)


@never_cache
def ping(request):
    """Liveness: the process answers. No database, no template (unlike /healthz, which is
    readiness and checks every dependency). Also the "bare view" of bench/pages.py and
    bench/requests.py."""
    return HttpResponse("pong", content_type="text/plain")
