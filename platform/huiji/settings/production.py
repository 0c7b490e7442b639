"""Production: the base settings hardened. `manage.py check --deploy` is clean with these."""

import os

from django.core.exceptions import ImproperlyConfigured

from huiji.env import env_bool, env_int, env_str
from huiji.settings.base import *  # noqa: F403
from huiji.settings.base import CELERY_TASK_ALWAYS_EAGER

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", required=True)
if CELERY_TASK_ALWAYS_EAGER:
    # Without a broker every task would run inside the request thread that queued it, in a
    # server of many threads: a slow SMS provider then holds a request, and any task code that
    # switches schemas shares the request's connection. Production runs a worker.
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL is required by the production settings (redis://... or amqp://...): "
        "tasks must not run inline in the web server's request threads.")

HUIJI_DATA_KEYS = env_str("HUIJI_DATA_KEYS", required=True)
from huiji.crypto import DEVELOPMENT_KEYS, parse_keys  # noqa: E402

parse_keys(HUIJI_DATA_KEYS)  # a malformed ring stops start-up, not the first save
if HUIJI_DATA_KEYS.replace(" ", "") == DEVELOPMENT_KEYS:
    raise ImproperlyConfigured("HUIJI_DATA_KEYS holds the public development key: generate "
                               "keys of your own (docs/personal-data.md).")

# Several server processes must see the same open puzzles of the human check (a puzzle drawn
# by one worker is answered to another). With Redis (CACHE_URL) they do; without it, files in
# the temporary folder (an emptyDir in Kubernetes) are shared by the processes of one machine,
# where each process's own memory would refuse most right answers.
if not (env_str("CACHE_URL") or env_str("REDIS_URL") or env_str("HUMAN_CHECK_CACHE_DIR")):
    import tempfile

    CACHES["humancheck"] = {  # noqa: F405
        **CACHES["humancheck"],  # noqa: F405
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.path.join(tempfile.gettempdir(), "huiji-humancheck")}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Probes reach the pods over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ping$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = env_str("CONTENT_SECURITY_POLICY", CSP_POLICY)  # noqa: F405
# /metrics answers only with METRICS_TOKEN; unset, it is 404 rather than open to anyone.
METRICS_OPEN_WITHOUT_TOKEN = False
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
