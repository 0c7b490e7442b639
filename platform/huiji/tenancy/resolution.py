"""Host name -> association, cached.

A warm request resolves its association from the cache without a query. Any change to a
domain or an association drops the cached entries of every host of that association (see
tenants/signals.py), so a suspension or a moved domain takes effect on the next request.
The cache is shared between processes when CACHE_URL points at Redis.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches

from tenants.models import Association, Domain


def _cache():
    return caches["tenant_resolution"]


def _key(hostname: str) -> str:
    return f"host:{hostname.lower()}"


def association_for_host(hostname: str) -> Association | None:
    cache = _cache()
    key = _key(hostname)
    tenant = cache.get(key)
    if tenant is not None:
        return tenant
    domain = Domain.objects.select_related("tenant").filter(domain=hostname.lower()).first()
    if domain is None:
        return None  # unknown hosts are not cached: a domain added later must work at once
    cache.set(key, domain.tenant, settings.TENANT_RESOLUTION_CACHE_SECONDS)
    return domain.tenant


def forget_hosts(*hostnames: str) -> None:
    _cache().delete_many([_key(h) for h in hostnames if h])
