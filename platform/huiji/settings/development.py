"""The default settings: a developer's machine with embedded services."""

from huiji.env import env_bool, env_int
from huiji.settings.base import *  # noqa: F403
from huiji.settings.base import SECRET_KEY

DEBUG = env_bool("DEBUG", True)
# A fixed key is fine on a developer's machine; production.py refuses to start without one.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"
# The port `runserver` listens on, used in the links the demo prints.
DEV_SERVER_PORT = env_int("HUIJI_PORT", 8000)
# Report, not enforce: a page needing an inline script shows in the console while Django's
# debug pages (inline styles) keep working.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CSP_POLICY  # noqa: F405
# Static files straight from the apps' folders, no collectstatic (and no manifest) needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
STORAGES = {**STORAGES, "staticfiles": {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# `runserver` serves each browser connection in a thread of its own, for as long as the browser
# keeps it alive; a persistent database connection per thread would pile up past PostgreSQL's
# max_connections under a busy client (the API fuzzer, a page of many requests). Closed after
# every request here; production's gunicorn has a fixed pool of threads and keeps them.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0)  # noqa: F405
