"""The client's address, as far as it can be trusted.

`X-Forwarded-For` is written by the client first and then appended to by every proxy on the
way (nginx's `$proxy_add_x_forwarded_for`, ingress controllers). Only the hops added by our own
proxies can be believed, so with `TRUSTED_PROXIES` = N (env `HUIJI_TRUSTED_PROXIES`) the client
is the N-th address from the right: the one the outermost of our proxies saw. With 0 (the
default) the header is ignored and the address of the TCP peer (`REMOTE_ADDR`) is used.

Every place that records or limits by address (login and SMS limits, payments, accepted
notices) calls `client_ip`, so a forged header can neither dodge a limit nor aim it at someone
else's address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR"))
    trusted = settings.TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()]
    if not hops:
        # Reached the application without passing our proxies (e.g. a probe on the pod).
        return remote
    # Fewer hops than proxies: every hop was still added by one of ours, the leftmost is the
    # furthest out. A hop that is not an address (a proxy misconfigured) falls back to the peer.
    return _valid(hops[-trusted] if len(hops) >= trusted else hops[0]) or remote
