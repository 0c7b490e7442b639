"""Failed-login counting.

Failures are counted three ways, each for 15 minutes from the first:

- per identity: the identifier as typed, normalised, so that `13900040290`, `+86 139-0004-0290`
  and `１３９ ０００４ ０２９０` are one counter, `Li@Example.COM` is `li@example.com` and the
  member number `e010107414t` is `E010107414T` (services.login_identity, which also finds the
  account);
- per account: the account the identifier names, so that switching from the phone to the email
  or the username of the same account does not start again;
- per client address (huiji.clientip, which believes only our own proxies).

After LOGIN_HUMAN_CHECK_AFTER_FAILURES of any of them the slider check is required. After
LOGIN_LOCK_AFTER_FAILURES on the identity or the account, that account's logins pause (even
with the right password). Many failures from one address only keep the slider on for that
address: an office or a mobile carrier puts hundreds of people behind one address, and one
person's typos must not lock the others out. A successful login clears the counters of its
identity, its account and its address.

The counters live in the cache (shared by every process in production), never in a database
transaction a failed check could roll back; its keys carry the association (tenant-keyed
cache), so one association's failures never count at another.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from tenant_apps.accounts.services import login_identity

WINDOW = 15 * 60


def identity(identifier: str) -> str:
    """The normalised identity of what was typed into the login form: the same function
    that finds the account (services.login_identity), so every spelling that logs in to
    one account also counts against one identity."""
    return login_identity(identifier).key


def _keys(identifier: str, account, ip: str | None) -> dict[str, str]:
    # Hashed: identifiers may hold spaces and other characters cache keys must not.
    digest = hashlib.sha256(identity(identifier).encode()).hexdigest()[:32]
    keys = {"identity": f"login-fail:id:{digest}"}
    if account is not None and account.pk is not None:
        keys["account"] = f"login-fail:account:{account.pk}"
    if ip:
        keys["address"] = f"login-fail:ip:{ip}"
    return keys


def _counts(identifier: str, account, ip: str | None) -> dict[str, int]:
    keys = _keys(identifier, account, ip)
    found = cache.get_many(list(keys.values()))
    return {kind: int(found.get(key, 0)) for kind, key in keys.items()}


def record_failure(identifier: str, account, ip: str | None) -> None:
    for key in _keys(identifier, account, ip).values():
        if not cache.add(key, 1, WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, WINDOW)


def clear(identifier: str, account, ip: str | None) -> None:
    cache.delete_many(list(_keys(identifier, account, ip).values()))


def locked(identifier: str, account) -> bool:
    """Whether logins for this identity or account pause (the address alone never locks)."""
    counts = _counts(identifier, account, None)
    return max(counts.values(), default=0) >= settings.LOGIN_LOCK_AFTER_FAILURES


def needs_human_check(identifier: str, account, ip: str | None) -> bool:
    counts = _counts(identifier, account, ip)
    return max(counts.values(), default=0) >= settings.LOGIN_HUMAN_CHECK_AFTER_FAILURES
