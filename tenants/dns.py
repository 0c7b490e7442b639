"""Does a domain resolve? A lookup for the console's association page, bounded in time.

`getaddrinfo` has no timeout of its own, so each lookup runs on a small shared pool and the
page waits at most `LOOKUP_SECONDS` for all of them together; a lookup still running then is
shown as "not known yet" and finishes (or not) in the background, bounded by the pool's size.
The pool holds no per-request state: each call gets its own futures.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

LOOKUP_SECONDS = 1.5
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dns-lookup")


@dataclass(frozen=True)
class Resolution:
    # True: resolves (to `addresses`); False: does not; None: the lookup took too long.
    resolves: bool | None
    addresses: tuple[str, ...] = ()


def _lookup(name: str) -> Resolution:
    # RFC 6761 6.3: localhost and every name under it are the loopback address; browsers
    # answer them so themselves (glibc does not for subdomains), which is how the demo's
    # and tests' hosts (cmes.localhost) reach the server.
    if name == "localhost" or name.endswith(".localhost"):
        return Resolution(True, ("127.0.0.1",))
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return Resolution(False)
    return Resolution(True, tuple(dict.fromkeys(info[4][0] for info in infos)))


def resolve_all(names: list[str], timeout: float = LOOKUP_SECONDS) -> dict[str, Resolution]:
    futures = {name: _pool.submit(_lookup, name) for name in names}
    wait(futures.values(), timeout=timeout)
    return {name: (future.result() if future.done() else Resolution(None))
            for name, future in futures.items()}
