"""API authentication that asks for the CSRF token whoever is calling.

DRF's SessionAuthentication checks the CSRF token only once a session has logged someone in.
Endpoints that anonymous visitors use (send an SMS code, sign up) would then accept a post
from any other web site: it could send codes from a visitor's browser, or sign the visitor in
to an account the other site chose. With this class every unsafe request (POST, PUT, PATCH,
DELETE) needs the token, signed in or not. A client gets one from `GET
/api/v1/accounts/csrf/` (the `csrftoken` cookie, and the token in the answer) and sends it
back in the `X-CSRFToken` header, as Django's own forms do.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication


class CsrfSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        self.enforce_csrf(request)
        return super().authenticate(request)

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            # DRF's own message is English only and names Django internals.
            raise exceptions.PermissionDenied(_(
                "This request did not come from this site's pages (the security token is "
                "missing or wrong). Reload the page and try again.")) from exc


class CsrfSessionScheme(SessionScheme):
    """The same session cookie in the OpenAPI schema (under its own name: spectacular wants
    one name per authentication class)."""

    target_class = "huiji.apiauth.CsrfSessionAuthentication"
    name = "cookieAuthWithCsrf"
