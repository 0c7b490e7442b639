import time

import sentry_sdk
from celery import shared_task
from celery.signals import task_prerun
from django.core.cache import caches
from django.db import connection

HEARTBEAT_KEY = "celery:heartbeat"


@task_prerun.connect
def _tag_task_with_tenant(**_kwargs):
    # tenant-schemas-celery has switched the schema before task_prerun handlers run.
    sentry_sdk.set_tag("tenant", connection.schema_name)


@shared_task(name="huiji.ops.tasks.heartbeat")
def heartbeat() -> float:
    """Queued by beat every minute; /healthz reports how long ago a worker last ran it."""
    now = time.time()
    caches["tenant_resolution"].set(HEARTBEAT_KEY, now, None)
    return now
