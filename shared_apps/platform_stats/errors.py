"""Errors per association: a logging handler counts every ERROR record (an unhandled
exception in a request or a task is logged at ERROR by Django and Celery) against the schema
it happened in, in hourly buckets of the platform cache (Redis in production, shared by every
process); the summary refresh adds up the last 24 buckets. Sentry receives the same errors
tagged with the tenant; this count is what the console can show without asking Sentry.

With the local-memory cache (a developer's machine without Redis) each process counts its own.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

BUCKET_SECONDS = 2 * 24 * 3600  # a bucket outlives the 24 hours it is counted in


def _cache():
    from django.core.cache import caches

    return caches["tenant_resolution"]  # platform-wide: keys carry the schema themselves


def _key(schema: str, hour: dt.datetime) -> str:
    return f"errors:{schema}:{hour:%Y%m%d%H}"


def record_error(schema: str, when: dt.datetime | None = None) -> None:
    key = _key(schema, (when or timezone.now()).astimezone(dt.UTC))
    cache = _cache()
    cache.add(key, 0, BUCKET_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, BUCKET_SECONDS)


def errors_last_day(schema: str, now: dt.datetime | None = None) -> int:
    now = (now or timezone.now()).astimezone(dt.UTC)
    keys = [_key(schema, now - dt.timedelta(hours=h)) for h in range(24)]
    return sum(int(v) for v in _cache().get_many(keys).values())


class TenantErrorCounter(logging.Handler):
    """In LOGGING's root handlers at level ERROR. Counts, never raises into the caller."""

    def __init__(self, level=logging.ERROR):
        super().__init__(level)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from django.db import connection

            schema = getattr(connection, "schema_name", None)
            if schema and schema != "public":
                record_error(schema)
        except Exception:  # the cache down must not turn one error into two
            self.handleError(record)
