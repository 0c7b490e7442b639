"""Container health check for the web role: GET /healthz on the local gunicorn.

The tenancy middleware answers a host that is not a known domain with 404, so the request
carries Host: $HUIJI_BASE_DOMAIN (the public site's domain). Exit 0 when /healthz answers 200.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    host = os.environ.get("HUIJI_BASE_DOMAIN") or "localhost"
    port = os.environ.get("PORT") or "8000"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310  (fixed http URL, loopback)
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
