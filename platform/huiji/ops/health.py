"""GET /healthz: is this process able to serve? Checks the database, the cache and the broker.

Answers 200 with every check "ok", or 503 naming the failed part. The body names no tenant
data, so it is safe on every host and needs no login.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from huiji.ops.tasks import HEARTBEAT_KEY


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache = caches["default"]
    token = uuid.uuid4().hex
    cache.set("healthz", token, 10)
    return "ok" if cache.get("healthz") == token else "cache returned a stale value"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (eager: no broker)"
    from huiji.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
def healthz(request):
    results: dict[str, str] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure of a dependency is a failed check
            results[name] = f"error: {type(exc).__name__}"
            healthy = False
    beat = caches["tenant_resolution"].get(HEARTBEAT_KEY)
    body = {
        "status": "ok" if healthy else "error",
        "checks": results,
        "worker_heartbeat_age_seconds": None if beat is None else round(time.time() - beat, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)
