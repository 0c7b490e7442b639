"""The Celery app. tenant-schemas-celery carries the schema a task was queued from in its
headers and switches the worker's connection to it before the task runs."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.development")

app = CeleryApp("huiji")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
