"""The one application error type and its mapping onto API responses.

Services raise `AppError` with a stable code and a translatable message; the DRF exception
handler and the page views turn it into a response. Nothing else decides status codes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class AppError(Exception):
    status = 400

    def __init__(self, code: str, message: Any, *, status: int | None = None,
                 field: str | None = None, details: dict | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class NotFound(AppError):
    status = 404

    def __init__(self, message: Any = None) -> None:
        super().__init__("not_found", message or _("Not found."))


class Forbidden(AppError):
    status = 403

    def __init__(self, message: Any = None) -> None:
        super().__init__("forbidden", message or _("You do not have permission to do this."))


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, AppError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, drf_exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "invalid"
        detail = response.data
        message = detail.get("detail") if isinstance(detail, dict) and "detail" in detail \
            else _("Invalid input.")
        body: dict[str, Any] = {"code": code, "message": str(message)}
        if isinstance(exc, drf_exceptions.ValidationError):
            body["fields"] = detail
        response.data = {"error": body}
    return response
