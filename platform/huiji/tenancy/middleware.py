"""Picks the association from the request's host and switches the connection to its schema."""

from __future__ import annotations

import sentry_sdk
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from huiji.tenancy.resolution import association_for_host, route_for_host
from tenants.databases import switch_database

# Probes and scrapers reach pods by IP or by a service name that is no association's domain;
# these paths answer on any host, from the public site, and show no association's data.
OPERATIONS_PATHS = frozenset({"/healthz", "/ping", "/metrics"})


class AssociationMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model, hostname):
        tenant = association_for_host(hostname)
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
        redirect = self._old_host_redirect(request)
        if redirect is not None:
            return redirect
        response = super().process_request(request)
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

    def _old_host_redirect(self, request):
        """An association's old host (its short name changed) answers 301 to the same path
        on its primary domain, before anything reads the schema."""
        hostname = self.hostname_from_request(request)
        route = route_for_host(hostname) if hostname else None
        if route is None or not route.redirect_host:
            return None
        port = request.get_port()
        host = route.redirect_host
        if port and port not in ("80", "443"):
            host = f"{host}:{port}"
        return HttpResponsePermanentRedirect(
            f"{request.scheme}://{host}{request.get_full_path()}")
