"""A throw-away database for a benchmark, on the same server the platform uses.

Uses DATABASE_URL's server when set, else the embedded PostgreSQL. The database is created
fresh (dropped first if a previous run left it) and its URL put in DATABASE_URL before Django
starts, so benchmarks never touch the demo or test data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "platform", ROOT):
    sys.path.insert(0, str(path))
# Before anything imports `huiji`: its Celery module would otherwise choose the development
# settings (DEBUG on, argon2 for the benchmark's logins) for every benchmark.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.test")


def _server() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        import dj_database_url

        return dj_database_url.parse(url)
    from huiji.embedded_pg import embedded_database

    return embedded_database(ROOT / ".data" / "pg")


def _admin(server: dict):
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", user=server["USER"],
                                  password=server.get("PASSWORD") or "", host=server["HOST"],
                                  port=server.get("PORT") or None)
    connection.autocommit = True
    return connection


def fresh_database(name: str) -> str:
    server = _server()
    admin = _admin(server)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return database_url(server, name)


def database_url(server: dict, name: str) -> str:
    host = quote(server["HOST"] or "", safe="")
    port = f":{server['PORT']}" if server.get("PORT") else ""
    password = quote(server.get("PASSWORD") or "")
    return f"postgres://{quote(server['USER'])}:{password}@{host}{port}/{name}"


def setup_django_again(name: str) -> str:
    """Django on a database an earlier run kept (not recreated)."""
    url = database_url(_server(), name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.test")
    import django

    django.setup()
    return url


def setup_django(name: str) -> str:
    url = fresh_database(name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.test")
    import django

    django.setup()
    return url


def drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    admin = _admin(_server())
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
