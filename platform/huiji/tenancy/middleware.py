"""Picks the association from the request's host and switches the connection to its schema."""

from __future__ import annotations

from contextvars import ContextVar

import sentry_sdk
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from huiji.tenancy.resolution import Route, route_for_host
from tenants.databases import switch_database

# Probes and scrapers reach pods by IP or by a service name that is no association's domain;
# these paths answer on any host, from the public site, and show no association's data.
OPERATIONS_PATHS = frozenset({"/healthz", "/ping", "/metrics"})
# The route of the request being resolved in this thread, (host, route), read once from the
# cache in process_request and used by get_tenant, which django-tenants calls without the
# request: one cache read per request instead of two. Per thread (a context variable), never
# on the shared middleware object.
_resolving: ContextVar[tuple[str, Route | None] | None] = ContextVar("huiji_resolving",
                                                                    default=None)


class AssociationMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        resolving = _resolving.get()
        route = resolving[1] if resolving and resolving[0] == hostname else \
            route_for_host(hostname)
        tenant = route.tenant if route else None
        if tenant is None:
            raise domain_model.DoesNotExist(hostname)
        # The connection goes to the association's database before django-tenants sets its
        # schema on it; request_finished puts it back (tenants/signals.py).
        switch_database(getattr(tenant, "database", None))
        return tenant

    def no_tenant_found(self, request, hostname):
        if request.path in OPERATIONS_PATHS:
            self.setup_url_routing(request, force_public=True)
            return None
        return super().no_tenant_found(request, hostname)

    def process_request(self, request):
        switch_database(None)  # whatever an earlier request in this thread left
        hostname = self.hostname_from_request(request)
        route = route_for_host(hostname) if hostname else None
        redirect = self._old_host_redirect(request, route)
        if redirect is not None:
            return redirect
        resolving = _resolving.set((hostname, route))
        try:
            response = super().process_request(request)
        finally:
            _resolving.reset(resolving)
        if response is not None:
            return response
        tenant = getattr(request, "tenant", None)
        if tenant is None:  # an operations path on an unknown host
            return None
        sentry_sdk.set_tag("tenant", tenant.schema_name)
        if tenant.schema_name != get_public_schema_name() and tenant.is_suspended:
            # A suspended association shows one page and nothing of its data: the response is
            # made here, before sessions, authentication or any view can read its schema.
            return render(request, "huiji/suspended.html", {"suspended": tenant}, status=503)
        return None

    def _old_host_redirect(self, request, route: Route | None):
        """An association's old host (its short name changed) answers 301 to the same path
        on its primary domain, before anything reads the schema."""
        if route is None or not route.redirect_host:
            return None
        port = request.get_port()
        host = route.redirect_host
        if port and port not in ("80", "443"):
            host = f"{host}:{port}"
        return HttpResponsePermanentRedirect(
            f"{request.scheme}://{host}{request.get_full_path()}")
