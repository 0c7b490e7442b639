"""The platform's health for the console page and /metrics: the database, cache and broker
checks of /healthz, the Celery workers that answer a ping, the length of each queue, and the
last run of every beat job. Every remote call has a short timeout, so a dead broker costs the
page a second or two, not a hung request."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from celery.schedules import maybe_schedule
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huiji.ops.health import CHECKS
from shared_apps.operations.beat import beat_jobs
from shared_apps.operations.models import BeatRun

PING_TIMEOUT = 1.0
# A job is overdue when its next run should have started this long ago and has not.
BEAT_GRACE = dt.timedelta(minutes=5)


CHECK_LABELS = {"database": gettext_lazy("Database"), "cache": gettext_lazy("Cache"),
                "broker": gettext_lazy("Message broker")}
# What each beat job of the settings does, as an operator reads it.
JOB_LABELS = {
    "heartbeat": gettext_lazy("Worker heartbeat"),
    "outbox-sweep": gettext_lazy("Send the messages waiting in outboxes"),
    "orders-expire": gettext_lazy("Expire unpaid orders"),
    "orders-reconcile": gettext_lazy("Ask the gateways about unconfirmed payments"),
    "membership-lifecycle": gettext_lazy("Membership lifecycle and reminders"),
    "dashboards-refresh": gettext_lazy("Refresh the associations' dashboards"),
    "bulk-expire": gettext_lazy("Delete expired member exports"),
    "platform-stats": gettext_lazy("Refresh the console's summary of associations"),
}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float

    @property
    def label(self) -> str:
        return str(CHECK_LABELS.get(self.name, self.name))


@dataclass(frozen=True)
class BeatJob:
    name: str
    task: str
    every: str
    run: BeatRun | None
    overdue: bool

    @property
    def label(self) -> str:
        return str(JOB_LABELS.get(self.name, self.name))

    @property
    def state(self) -> str:
        if self.run is None or self.run.started_at is None:
            return "never"
        if self.run.succeeded is None:
            return "running"
        if not self.run.succeeded:
            return "failed"
        return "overdue" if self.overdue else "ok"


@dataclass(frozen=True)
class Health:
    checks: list[Check]
    eager: bool  # no broker: tasks run inside the process that queues them
    workers: list[str] | None  # None: the ping could not be sent
    queues: dict[str, int | None]
    beat: list[BeatJob]
    heartbeat_age: float | None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not any(
            j.state in ("failed", "overdue") for j in self.beat) and (
            self.eager or bool(self.workers))


def _run_checks() -> list[Check]:
    out = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # any failure of a dependency is a failed check
            detail, ok = f"{type(exc).__name__}: {exc}"[:200], False
        out.append(Check(name, ok, detail, round(time.perf_counter() - started, 3)))
    return out


def _celery_app():
    from huiji.celery import app

    return app


def queue_names() -> list[str]:
    app = _celery_app()
    names = {app.conf.task_default_queue}
    for route in (app.conf.task_routes or {}).values() if isinstance(
            app.conf.task_routes, dict) else ():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    names.update(q.name for q in (app.conf.task_queues or ()))
    return sorted(names)


def workers(timeout: float = PING_TIMEOUT) -> list[str] | None:
    try:
        replies = _celery_app().control.ping(timeout=timeout)
    except Exception:  # the broker is down: the broker check says so
        return None
    return sorted(name for reply in replies for name in reply)


def queue_lengths() -> dict[str, int | None]:
    """Messages waiting in each queue (None: could not be read)."""
    lengths: dict[str, int | None] = {}
    try:
        with _celery_app().connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            channel = conn.default_channel
            for name in queue_names():
                try:
                    lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except Exception:  # never declared: no worker has started on it, none waiting
                    lengths[name] = 0
    except Exception:
        return dict.fromkeys(queue_names())
    return lengths


def _every(schedule) -> str:
    if isinstance(schedule, int | float):
        seconds = int(schedule)
        if seconds % 3600 == 0:
            return _("every %(n)s h") % {"n": seconds // 3600}
        if seconds % 60 == 0:
            return _("every %(n)s min") % {"n": seconds // 60}
        return _("every %(n)s s") % {"n": seconds}
    minute, hour = getattr(schedule, "_orig_minute", "*"), getattr(schedule, "_orig_hour", "*")
    if str(minute).isdigit() and str(hour).isdigit():
        return _("daily at %(time)s") % {"time": f"{int(hour):02d}:{int(minute):02d}"}
    return str(schedule)


def beat_status(now: dt.datetime | None = None) -> list[BeatJob]:
    now = now or timezone.now()
    runs = {r.job: r for r in BeatRun.objects.all()}
    jobs = []
    for name, entry in sorted(beat_jobs().items()):
        run = runs.get(name)
        overdue = False
        if run is not None and run.started_at is not None:
            schedule = maybe_schedule(entry["schedule"])
            # Negative when the next run was due in the past.
            remaining = schedule.remaining_estimate(run.started_at)
            overdue = remaining < -BEAT_GRACE
        jobs.append(BeatJob(name, entry["task"], _every(entry["schedule"]), run, overdue))
    return jobs


def platform_health() -> Health:
    from django.core.cache import caches

    from huiji.ops.tasks import HEARTBEAT_KEY

    eager = bool(settings.CELERY_TASK_ALWAYS_EAGER)
    beat = caches["tenant_resolution"].get(HEARTBEAT_KEY)
    checks = _run_checks()
    # With the broker down, kombu's own connection retries would hold the page (and the
    # scrape) far longer than the check's timeout: ask nothing more of it.
    broker_up = next((c.ok for c in checks if c.name == "broker"), True)
    return Health(
        checks=checks, eager=eager,
        workers=[] if eager else (workers() if broker_up else None),
        queues={} if eager else (queue_lengths() if broker_up
                                 else dict.fromkeys(queue_names())),
        beat=beat_status(),
        heartbeat_age=None if beat is None else round(time.time() - beat, 1))
