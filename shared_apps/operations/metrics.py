"""/metrics: the console's health figures, and per-association figures read from the
operator console's summary table when it is installed (shared_apps.platform_stats; never from
the associations' schemas at scrape time).

    huiji_check_up{check}                       1 when /healthz's check passes
    huiji_celery_workers                        workers answering a ping (absent when eager)
    huiji_celery_queue_length{queue}            messages waiting
    huiji_beat_last_run_timestamp_seconds{job}  when the job last started
    huiji_beat_last_run_success{job}            1 succeeded, 0 failed (absent while running)
    huiji_beat_overdue{job}                     1 when its next run is over 5 minutes late
    huiji_association_outbox_pending{association}, huiji_association_outbox_failed_7d{...},
    huiji_association_errors_24h{...}           from the summary table (its last refresh)

One series per association and figure: three series per association is about the limit a
Prometheus keeps for 10,000 associations without trouble; the rest stay on the console.
"""

from __future__ import annotations

from django.apps import apps
from prometheus_client.core import GaugeMetricFamily

SUMMARY_FIGURES = {
    "outbox_pending": "Messages waiting in the association's outbox (last summary refresh)",
    "outbox_failed_7d": "Messages that failed in the last 7 days (last summary refresh)",
    "errors_24h": "Errors logged in the last 24 hours (last summary refresh)",
}


class HealthCollector:
    def describe(self):
        # Names only: no checks run when the collector is registered.
        yield GaugeMetricFamily("huiji_check_up", "Health check passes", labels=["check"])

    def collect(self):
        from shared_apps.operations.health import platform_health

        health = platform_health()
        up = GaugeMetricFamily("huiji_check_up", "Health check passes", labels=["check"])
        for check in health.checks:
            up.add_metric([check.name], 1 if check.ok else 0)
        yield up
        if not health.eager and health.workers is not None:
            yield GaugeMetricFamily("huiji_celery_workers", "Celery workers answering a ping",
                                    value=len(health.workers))
        queues = GaugeMetricFamily("huiji_celery_queue_length", "Messages waiting",
                                   labels=["queue"])
        for name, length in health.queues.items():
            if length is not None:
                queues.add_metric([name], length)
        yield queues
        started = GaugeMetricFamily("huiji_beat_last_run_timestamp_seconds",
                                    "When the beat job last started", labels=["job"])
        success = GaugeMetricFamily("huiji_beat_last_run_success",
                                    "The beat job's last finished run succeeded",
                                    labels=["job"])
        overdue = GaugeMetricFamily("huiji_beat_overdue",
                                    "The beat job's next run is late", labels=["job"])
        for job in health.beat:
            if job.run and job.run.started_at:
                started.add_metric([job.name], job.run.started_at.timestamp())
            if job.run and job.run.succeeded is not None:
                success.add_metric([job.name], 1 if job.run.succeeded else 0)
            overdue.add_metric([job.name], 1 if job.overdue else 0)
        yield from (started, success, overdue)
        yield from summary_families()


def summary_families():
    if not apps.is_installed("shared_apps.platform_stats"):
        return
    summary = apps.get_model("platform_stats", "AssociationSummary")
    families = {field: GaugeMetricFamily(f"huiji_association_{field}", text,
                                         labels=["association"])
                for field, text in SUMMARY_FIGURES.items()}
    for row in summary.objects.values("association__slug", *SUMMARY_FIGURES).iterator():
        for field, family in families.items():
            family.add_metric([row["association__slug"]], row[field])
    yield from families.values()


_registered = False


def register() -> None:
    global _registered  # once per process, from AppConfig.ready
    if _registered:
        return
    from huiji.ops.metrics import REGISTRY

    REGISTRY.register(HealthCollector())
    _registered = True
