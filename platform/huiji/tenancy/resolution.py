"""Host name -> association, cached.

A warm request resolves its association from the cache without a query. Any change to a
domain or an association drops the cached entries of every host of that association (see
tenants/signals.py), so a suspension or a moved domain takes effect on the next request.
The cache is shared between processes when CACHE_URL points at Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from tenants.models import Association, Domain


def _cache():
    return caches["tenant_resolution"]


def _key(hostname: str) -> str:
    return f"host:{hostname.lower()}"


@dataclass(frozen=True)
class Route:
    tenant: Association
    # Set for an old host kept after a change of short name: answer 301 to this host.
    redirect_host: str | None = None


def route_for_host(hostname: str) -> Route | None:
    cache = _cache()
    key = _key(hostname)
    route = cache.get(key)
    if isinstance(route, Route):
        return route
    domain = Domain.objects.select_related("tenant").filter(domain=hostname.lower()).first()
    if domain is None:
        return None  # unknown hosts are not cached: a domain added later must work at once
    redirect_host = None
    if domain.redirect_to_primary:
        redirect_host = (Domain.objects.filter(tenant_id=domain.tenant_id, is_primary=True)
                         .values_list("domain", flat=True).first())
    route = Route(domain.tenant, redirect_host)
    cache.set(key, route, settings.TENANT_RESOLUTION_CACHE_SECONDS)
    return route


def association_for_host(hostname: str) -> Association | None:
    route = route_for_host(hostname)
    return route.tenant if route else None


def forget_hosts(*hostnames: str) -> None:
    _cache().delete_many([_key(h) for h in hostnames if h])
