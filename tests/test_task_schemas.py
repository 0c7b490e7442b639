"""Tasks run inline (eager Celery, the default without a broker) inside the request thread that
queued them. Two associations' threads running tasks at the same moment must each stay in their
own schema, with their own tenant object, whatever the task does."""

from __future__ import annotations

import threading
import time

import pytest
from celery.signals import task_prerun
from django.db import connection, connections
from django_tenants.utils import schema_context

from huiji.celery import app, unsafe_schema_switching

# Both threads are inside a task at once: each task waits here until the other has started.
_inside = threading.Barrier(2, timeout=10)


@app.task(name="tests.schema_probe")
def schema_probe(wait: bool = True) -> str:
    if wait:
        _inside.wait()
        time.sleep(0.02)  # the other thread's task finishes first in some rounds
    return connection.schema_name


@app.task(name="tests.switching_task")
def switching_task() -> str:
    """A task that wanders off to another schema and leaves the connection there."""
    connection.set_schema_to_public()
    return "done"


def _run_in(slug: str, rounds: int, seen: list) -> None:
    try:
        with schema_context(slug):
            tenant = connection.tenant
            for _ in range(rounds):
                ran_in = schema_probe.delay().result
                # The request goes on after its task: still its association, same tenant object.
                seen.append((slug, ran_in, connection.schema_name,
                             connection.tenant is tenant))
    finally:
        connections.close_all()


@pytest.mark.django_db
def test_two_associations_running_tasks_at_once_keep_their_own_schemas(alpha, beta):
    seen: list = []
    threads = [threading.Thread(target=_run_in, args=(slug, 10, seen))
               for slug in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 20
    wrong = [row for row in seen if row[1:] != (row[0], row[0], True)]
    assert not wrong, wrong


@pytest.mark.django_db
def test_a_task_that_switches_schema_cannot_move_the_caller(alpha):
    with schema_context("alpha"):
        tenant = connection.tenant
        assert switching_task.delay().result == "done"
        assert connection.schema_name == "alpha"
        assert connection.tenant is tenant


@pytest.mark.django_db
def test_a_task_runs_in_the_schema_it_was_queued_from(alpha, beta):
    with schema_context("alpha"):
        # Queued from beta (the header a worker would read), run while alpha is current.
        result = schema_probe.apply(kwargs={"wait": False}, headers={"_schema_name": "beta"})
        assert result.result == "beta"
        assert connection.schema_name == "alpha"


def test_the_librarys_shared_state_switching_stops_start_up():
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError
    from tenant_schemas_celery.app import switch_schema

    assert unsafe_schema_switching() == []
    task_prerun.connect(switch_schema, dispatch_uid="tenant_schemas_switch_schema")
    try:
        with pytest.raises(SystemCheckError, match=r"huiji\.E001"):
            call_command("check")
    finally:
        task_prerun.disconnect(dispatch_uid="tenant_schemas_switch_schema")
    assert unsafe_schema_switching() == []
