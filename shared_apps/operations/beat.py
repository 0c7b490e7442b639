"""Record the last run of each beat job in `BeatRun`.

Beat names a job only in its schedule; the worker sees a task name and arguments. A task run
whose (name, arguments) are those of a schedule entry is that job's run, whoever queued it
(an operator running it by hand counts too: it did the job). The fan-out jobs
(`tenants.for_each_association`) are recorded when they have queued every association's task;
those tasks' own failures show in the logs, Sentry and the summary table, not here.

Rows are written in the public schema with one upsert each at the start and the end of a run;
nothing is kept in the process between the two.
"""

from __future__ import annotations

import json

from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context


def _key(task_name: str, args) -> str:
    return json.dumps([task_name, list(args or ())])


def beat_jobs() -> dict[str, dict]:
    """Every beat job by name, as the settings schedule it."""
    return dict(getattr(settings, "CELERY_BEAT_SCHEDULE", {}))


def job_of(task_name: str, args) -> str | None:
    wanted = _key(task_name, args)
    for name, entry in beat_jobs().items():
        if _key(entry["task"], entry.get("args", ())) == wanted:
            return name
    return None


def _upsert(job: str, task: str, **values) -> None:
    from shared_apps.operations.models import BeatRun

    with schema_context(get_public_schema_name()):
        BeatRun.objects.bulk_create(
            [BeatRun(job=job, task=task, **values)], update_conflicts=True,
            unique_fields=["job"], update_fields=["task", *values])


@task_prerun.connect(dispatch_uid="operations.beat_started")
def _started(sender=None, args=None, **_kwargs):
    job = job_of(getattr(sender, "name", ""), args)
    if job:
        _upsert(job, sender.name, started_at=timezone.now(), finished_at=None,
                succeeded=None, error="")


@task_postrun.connect(dispatch_uid="operations.beat_finished")
def _finished(sender=None, args=None, retval=None, state=None, **_kwargs):
    from django.db.models import F

    from shared_apps.operations.models import BeatRun

    job = job_of(getattr(sender, "name", ""), args)
    if not job:
        return
    ok = state == "SUCCESS"
    error = "" if ok else f"{type(retval).__name__}: {retval}"[:300]
    with schema_context(get_public_schema_name()):
        updated = BeatRun.objects.filter(job=job).update(
            finished_at=timezone.now(), succeeded=ok, error=error, runs=F("runs") + 1)
    if not updated:  # started before this code was deployed
        _upsert(job, sender.name, finished_at=timezone.now(), succeeded=ok, error=error,
                runs=1)
