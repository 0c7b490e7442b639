"""A real Celery worker on the real Redis runs each task in the schema it was queued from."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from tenant_schemas_celery.app import CeleryApp

from tests.harness import require_service

ROOT = Path(__file__).resolve().parents[1]
REDIS = os.environ.get("HUIJI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def database_url() -> str:
    """The URL of the test database this process uses, for the worker to use too."""
    s = connection.settings_dict
    host = quote(s["HOST"] or "", safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{quote(s['USER'])}:{quote(s['PASSWORD'] or '')}@{host}{port}/{s['NAME']}"


@pytest.fixture
def worker(django_db_blocker, tmp_path):
    require_service("127.0.0.1", 6379, "Redis")
    queue = f"huiji-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.test",
           "DATABASE_URL": database_url(), "CELERY_BROKER_URL": REDIS,
           "CELERY_RESULT_BACKEND": REDIS, "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "huiji", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-heartbeat", "--without-gossip",
         "--without-mingle", "-l", "WARNING"],
        # to a file, not a pipe: an unread pipe fills up and blocks the worker
        cwd=ROOT, env=env, stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT, text=True)
    # not the current app: the tests after this one queue their tasks eagerly, as before
    app = CeleryApp("huiji-test-client", broker=REDIS, backend=REDIS, set_as_current=False)
    try:
        yield app, queue
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        app.close()
        if proc.returncode not in (0, -15, 143):
            print((tmp_path / "worker.log").read_text())


@pytest.mark.services
@pytest.mark.django_db
def test_task_reads_the_data_of_the_association_it_was_queued_from(worker):
    app, queue = worker
    results = {}
    for slug in ("alpha", "beta"):
        with schema_context(slug):
            results[slug] = app.send_task("tenants.association_snapshot", queue=queue)
    alpha = results["alpha"].get(timeout=60)
    beta = results["beta"].get(timeout=60)
    assert alpha["schema"] == "alpha"
    assert beta["schema"] == "beta"
    assert "alpha-hq_admin" in alpha["usernames"]
    assert not any(name.startswith("beta-") for name in alpha["usernames"])
    assert "beta-hq_admin" in beta["usernames"]
    # alpha was provisioned from the CMES profile, beta from none.
    assert alpha["name_en"] == "Chinese Mechanical Engineering Society"
    assert beta["name_en"] == ""
