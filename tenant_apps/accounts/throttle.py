"""Failed-login counting: after a few failures a person must pass the slider check; after
many, logins for that account (and from that address) pause for a while."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

WINDOW = 15 * 60


def _id_key(identifier: str) -> str:
    # Hashed: identifiers may hold spaces and other characters cache keys must not.
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:id:{digest}"


def _keys(identifier: str, ip: str | None) -> list[str]:
    keys = [_id_key(identifier)]
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def failures(identifier: str, ip: str | None) -> int:
    return max((cache.get(k, 0) for k in _keys(identifier, ip)), default=0)


def record_failure(identifier: str, ip: str | None) -> None:
    for key in _keys(identifier, ip):
        if not cache.add(key, 1, WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, WINDOW)


def clear(identifier: str, ip: str | None) -> None:
    cache.delete(_id_key(identifier))


def locked(identifier: str, ip: str | None) -> bool:
    return failures(identifier, ip) >= settings.LOGIN_LOCK_AFTER_FAILURES


def needs_human_check(identifier: str, ip: str | None) -> bool:
    return failures(identifier, ip) >= settings.LOGIN_HUMAN_CHECK_AFTER_FAILURES
