"""The embedded PostgreSQL used when no DATABASE_URL is given.

pgserver ships PostgreSQL binaries in a wheel, so a fresh clone needs nothing but pip. The
server keeps running between commands (cleanup_mode=None) and its data lives in the git-ignored
`.data/` folder of the checkout; `get_server` re-attaches to a running one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATABASE_NAME = "huiji"


def embedded_database(data_dir: Path) -> dict:
    # platformdirs warns when XDG_RUNTIME_DIR is unset or shared (containers, CI); pgserver
    # only keeps a lock file there, so a private folder beside the data serves.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = data_dir.parent / "run"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    # Imported lazily: pgserver is only needed when no real database is configured.
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = _attach(pgserver, data_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 (a constant)
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        # pgserver listens on a unix socket (in its data folder unless that path is too long).
        "HOST": parse_qs(urlparse(server.get_uri()).query)["host"][0],
        "PORT": "",
    }


def _attach(pgserver, data_dir: Path):
    """pgserver keeps a list of attached processes in a JSON file that it rewrites without a
    lock; two processes attaching at the same moment (runserver and its reloader, the test
    suite and its server) can read it half-written. Retrying after a moment is enough."""
    for attempt in range(20):
        try:
            return pgserver.get_server(data_dir, cleanup_mode=None)
        except json.JSONDecodeError:
            if attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
