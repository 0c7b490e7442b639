"""Fixtures for tests that talk to a real server process (`manage.py runserver`) on the test
database: the browser tests (tests/e2e/) and the API fuzzing (tests/fuzz/)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.harness import PASSWORD
from tests.test_celery_worker import database_url

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


# The provider template code of every message event, as an operator registers them with the
# SMS provider: the browser tests' server sends each event's SMS with its own code.
SMS_TEMPLATES = ";".join(f"{event}=SMS_E2E_{event.upper()}" for event in (
    "account_registered", "application_submitted", "application_returned",
    "application_rejected", "application_approved", "payment_required", "voucher_rejected",
    "payment_confirmed", "member_activated", "renewal_due", "membership_overdue",
    "suspension_due", "membership_suspended", "lapse_due", "membership_lapsed",
    "membership_withdrawn", "invoice_issued", "staff_invited"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def demo_tenants(django_db_setup, django_db_blocker):
    """The four demo associations with their profiles, committed so the server process sees
    them. Their HQ administrators log in as admin@<slug>.test with the harness password."""
    from tenants.models import Association
    from tenants.profiles import load_profile
    from tenants.services import association_create

    slugs = ["cmes", "cacem", "caq", "jsgas"]
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for slug in slugs:
            if not Association.objects.filter(slug=slug).exists():
                association_create(acting_user=None, name=load_profile(slug)["association"][
                                   "name"], slug=slug, profile=slug, admin_name="管理员",
                                   admin_email=f"admin@{slug}.test", admin_password=PASSWORD)
        # CACEM's manual gives no bank account; its journey pays by transfer, so the tests
        # enter one as its finance would on the payment accounts page.
        from django_tenants.utils import schema_context

        from tenant_apps.billing.tests.online import connect_bank

        with schema_context("cacem"):
            connect_bank()
        connection.set_schema_to_public()
    return slugs


@pytest.fixture(scope="session")
def sms_gateway():
    """The fake Aliyun gateway the browser tests' server sends its SMS to; tests read the
    codes from it as a person reads their phone."""
    from huiji.sms.fake_gateway import FakeSmsGateway

    gateway = FakeSmsGateway({"e2e-key": "e2e-secret"}).start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="session")
def server(demo_tenants, django_db_blocker, sms_gateway):
    """`manage.py runserver` on a free port, reading and writing the test database."""
    port = _free_port()
    # The demo's own settings (development), so the browser sees what `deploy/local/demo`
    # serves; only DEBUG is off, for the real error pages.
    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.development", "DEBUG": "0",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SMS_BACKEND": "aliyun",
           "SMS_ACCESS_KEY_ID": "e2e-key", "SMS_ACCESS_KEY_SECRET": "e2e-secret",
           "SMS_SIGN_NAME": "会籍", "SMS_ENDPOINT": sms_gateway.url,
           "SMS_TEMPLATES": SMS_TEMPLATES,
           "DATABASE_URL": database_url(), "HUIJI_PORT": str(port),
           # an import of 1,000 rows in four batches, written two at once as large ones are
           "IMPORT_BATCH_ROWS": "250",
           # the human check's puzzles in files this process reads too (human_check_store)
           "HUMAN_CHECK_CACHE_DIR": str(human_check_dir())}
    env.pop("CELERY_BROKER_URL", None)
    # The server's output goes to a file: a pipe nobody reads fills up (console emails are
    # long) and then blocks the server mid-request.
    ARTIFACTS.mkdir(exist_ok=True)
    # one server per pytest-xdist worker, each with its own log
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    log = (ARTIFACTS / f"server{'-' + worker if worker else ''}.log").open("w",
                                                                        encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure",
         f"127.0.0.1:{port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        text=True)
    base = f"http://localhost:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 (local)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        pytest.fail(f"the server did not start; see {log.name}")
    yield port
    proc.terminate()
    proc.wait(timeout=20)
    log.close()
    _wait_for_sessions_to_close(django_db_blocker)


def human_check_dir() -> Path:
    """Where the browser tests' server keeps its human-check puzzles (one folder per pytest
    -xdist worker, as there is one server per worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return ARTIFACTS / f"human-check{'-' + worker if worker else ''}"


def human_check_store():
    """The server's puzzle store, read from this process: the same files and key function as
    the server's `humancheck` cache (settings.CACHES). Tests read a puzzle's answer there, as
    a person reads it off the picture; nothing of the answer is in the page."""
    from django.core.cache.backends.filebased import FileBasedCache

    return FileBasedCache(str(human_check_dir()), {
        "KEY_FUNCTION": "django_tenants.cache.make_key", "KEY_PREFIX": "humancheck"})


def _wait_for_sessions_to_close(django_db_blocker) -> None:
    """Before pytest-django drops the test database, no other session may use it.

    PostgreSQL ends a dead client's backend a moment after the process exits, so wait for the
    server's sessions. Sessions of this process's own can linger too: Playwright's event loop
    gives the tests run while a browser is open a context of their own, and with it (asgiref
    locals follow contexts) a database connection of their own, idle once its test rolled
    back. Those are ended here."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        others = ("FROM pg_stat_activity WHERE datname = current_database() "
                  "AND pid <> pg_backend_pid()")
        for _ in range(50):
            cursor.execute(f"SELECT count(*) {others}")
            if cursor.fetchone()[0] == 0:
                return
            cursor.execute(f"SELECT pg_terminate_backend(pid) {others} "
                           "AND state = 'idle' AND client_port IS NOT NULL "
                           "AND backend_start < now() - interval '1 second'")
            time.sleep(0.1)


