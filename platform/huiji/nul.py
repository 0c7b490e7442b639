"""Refuse a NUL character anywhere a request names something: its path, its query, its form.

PostgreSQL cannot store or even compare a string with NUL in it, so any such value reaching a
query was a server error ("A string literal cannot contain NUL"), on the anonymous login page
too. Fields checked one by one leave the next one open; this answers every request that carries
one with a 400 and a translated message before a view runs. JSON bodies are the API's
serializers' to refuse (their CharFields reject NUL), and file contents are data, not names.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _carries_nul(request) -> bool:
    if NUL in request.path:
        return True
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    return any(NUL in key or any(NUL in value for value in values)
               for source in sources for key, values in source.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _carries_nul(request):
            return self.get_response(request)
        message = _("Null characters are not allowed.")
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "nul_character", "message": message}},
                                status=400)
        return render(request, "400.html", {"message": message}, status=400)
