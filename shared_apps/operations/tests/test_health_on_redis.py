"""The health figures against a real Redis broker and a real worker (skipped without Redis on
a developer's machine, required in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.test_celery_worker import REDIS, ROOT, database_url, worker  # noqa: F401  (fixture)


@pytest.fixture
def redis_worker(worker):  # noqa: F811
    yield worker
    from huiji.celery import app

    app.set_current()  # the fixture's client app made itself current; later tests need ours


@pytest.mark.services
@pytest.mark.django_db
def test_platform_health_sees_the_worker_and_the_queue(redis_worker):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.test",
           "DATABASE_URL": database_url(), "CELERY_BROKER_URL": REDIS,
           "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
    deadline = time.monotonic() + 30
    while True:  # the worker takes a few seconds to start answering
        done = subprocess.run(
            [sys.executable, "manage.py", "platform_health", "--json"], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=60)
        report = json.loads(done.stdout)
        if report["workers"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert report["eager"] is False
    assert report["checks"]["broker"] == "ok"
    assert len(report["workers"]) == 1 and report["workers"][0].startswith("celery@")
    assert isinstance(report["queues"]["celery"], int)
