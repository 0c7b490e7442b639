"""Huiji (会籍): the Django project and the platform-wide libraries.

The Celery app is imported here so that `shared_task` binds to it in every process.
"""

from huiji.celery import app as celery_app

__all__ = ["celery_app"]
