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


def schema_for_host(host: str) -> str:
    """The schema that answers `host` (an association's subdomain or the platform's)."""
    from django_tenants.utils import get_tenant_domain_model

    with schema_context("public"):
        found = get_tenant_domain_model().objects.filter(
            domain=host.split(":")[0]).values_list("tenant__schema_name", flat=True).first()
    return found or "public"


def hand_trace(target: float, duration_ms: int = 900) -> str:
    """A drag as a hand makes it, in the page's `t,x;...` form: it speeds up, slows down,
    goes a little past the gap and settles on `target`."""
    steps = 24
    samples = [(0, 0.0)]
    for i in range(1, steps + 1):
        share = i / steps
        eased = 1 - (1 - share) ** 3
        past = 2.5 if i == steps - 3 else 0.0
        samples.append((round(duration_ms * share), round(target * eased + past, 1)))
    samples[-1] = (duration_ms, round(target, 1))
    return ";".join(f"{t},{x:g}" for t, x in samples)


def puzzle_answer(puzzle_id: str, schema: str, *, store=None) -> int:
    """Where the gap of a puzzle is, read from the server's store as a person reads it off
    the picture (the store: huiji.humancheck's, or the browser tests' server's)."""
    from huiji import humancheck

    with schema_context(schema):
        record = (store or humancheck.store()).get(humancheck.puzzle_key(puzzle_id))
    assert record is not None, f"no open puzzle {puzzle_id} at {schema}"
    return record["x"]


def solved_slider(where) -> dict:
    """A solved human check for a post to `where` (a test Client or a host): a puzzle made as
    the page makes it, its answer read from the store, a drag as a hand makes it, and the
    picture shown long enough ago (its time in the store set back two seconds, as a person
    takes them)."""
    from huiji import humancheck

    host = where if isinstance(where, str) else where.defaults["HTTP_HOST"]
    schema = schema_for_host(host)
    with schema_context(schema):
        puzzle = humancheck.challenge()
        key = humancheck.puzzle_key(puzzle["id"])
        record = humancheck.store().get(key)
        record["created"] -= 2
        humancheck.store().set(key, record, humancheck.MAX_AGE)
    position = record["x"] + 1
    return {"hc_token": puzzle["id"], "hc_position": str(position),
            "hc_trace": hand_trace(position)}


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
