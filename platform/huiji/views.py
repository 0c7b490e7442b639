"""Pages that belong to no app: the unknown-host page."""

from django.shortcuts import render


def unknown_host(request):
    """A host that is neither the platform nor a known association: a real 404 page, so a
    mistyped subdomain never falls through to some association's data."""
    return render(request, "huiji/unknown_host.html", {"host": request.get_host()}, status=404)
