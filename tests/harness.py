"""Helpers shared by the tests: the session's associations and people, real-service checks."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role, User

TENANTS = ("alpha", "beta")
ROLES = [Role.HQ_ADMIN, Role.BRANCH_ADMIN, Role.REVIEWER, Role.FINANCE, Role.SECRETARIAT,
         Role.MEMBER]
PASSWORD = "Test-passw0rd-2026"


def username(slug: str, role: str) -> str:
    return f"{slug}-{role}"
@dataclass
class Site:
    """One association as the tests see it: its schema, host and people."""

    slug: str

    @property
    def host(self) -> str:
        return f"{self.slug}.localhost"

    def user(self, role: str) -> User:
        with schema_context(self.slug):
            return User.objects.get(username=username(self.slug, role))

    def client(self, role: str | None = None) -> Client:
        client = Client(HTTP_HOST=self.host)
        if role:
            user = self.user(role)
            with schema_context(self.slug):
                client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
        return client


def service_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(host: str, port: int, what: str) -> None:
    """Skip when a real service is missing on a developer's machine; fail in CI, where
    HUIJI_REQUIRE_SERVICES=1 says the service must be there."""
    if service_reachable(host, port):
        return
    message = f"{what} is not reachable on {host}:{port}"
    if os.environ.get("HUIJI_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def solved_slider() -> dict:
    """A solved slider check: the target read from the signed token, as a person reads the
    mark on the track."""
    from django.core import signing

    from huiji import humancheck

    challenge = humancheck.challenge()
    target = signing.loads(challenge["token"], salt=humancheck.SALT)["t"]
    return {"hc_token": challenge["token"], "hc_position": str(target + 1)}


def in_thread(fn, *args):
    """Run fn in a fresh thread (its own connections, autocommit: what it writes is committed
    and seen by other sessions, outside the test's transaction) and return its result; an
    exception raised there is raised here."""
    import threading

    from django.db import connections

    result: dict = {}

    def run():
        try:
            result["value"] = fn(*args)
        except BaseException as exc:  # handed back to the test
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
