"""The console's health page on the command line (exit status 1 when something needs
attention, for a cron job or a probe)."""

import json

from django.core.management.base import BaseCommand

from shared_apps.operations.health import platform_health


class Command(BaseCommand):
    help = "Database, cache, broker, Celery workers, queue lengths and the beat jobs' last runs."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        health = platform_health()
        beat = {job.name: {"state": job.state, "every": job.every,
                           "started_at": job.run.started_at.isoformat()
                           if job.run and job.run.started_at else None,
                           "error": job.run.error if job.run else ""} for job in health.beat}
        if options["json"]:
            self.stdout.write(json.dumps({
                "ok": health.ok, "checks": {c.name: c.detail for c in health.checks},
                "eager": health.eager, "workers": health.workers, "queues": health.queues,
                "heartbeat_age_seconds": health.heartbeat_age, "beat": beat}, indent=1))
        else:
            for check in health.checks:
                self.stdout.write(f"{check.name}: {check.detail} ({check.seconds:.3f} s)")
            workers = "eager (no broker)" if health.eager else (
                "cannot ask" if health.workers is None else ", ".join(health.workers) or "none")
            self.stdout.write(f"workers: {workers}")
            for name, length in health.queues.items():
                self.stdout.write(f"queue {name}: {'unknown' if length is None else length}")
            for name, job in beat.items():
                line = f"{name}: {job['state']} ({job['every']}, last started {job['started_at']})"
                self.stdout.write(line + (f" {job['error']}" if job["error"] else ""))
        if not health.ok:
            raise SystemExit(1)
