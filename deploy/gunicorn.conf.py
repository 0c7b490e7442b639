"""Gunicorn settings for the Huiji web container.

Used by deploy/Dockerfile (`gunicorn --config /app/deploy/gunicorn.conf.py`). Every value can be
tuned by an environment variable; the defaults suit a container of about 1 CPU.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "huiji.wsgi:application"

# Inside a container the port must be reachable from outside the container's own loopback.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Threaded workers: requests mostly wait on PostgreSQL, Redis and S3.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 4)

timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then so that a slow leak never takes a pod down, but rarely: a new
# worker loads the whole application after the fork (0.55-0.8 s of CPU measured) and starts
# with cold connections. Measured with bench/pages.py (docs/operations.md, "Worker
# recycling"): every 2,000 requests took the server's CPU per /ping from 1.25 ms to 2.32 ms
# and halved its rate; every 20,000 cost 1.37 ms (about 0.04 ms per request by arithmetic,
# within the noise). 0 turns recycling off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# The root filesystem may be read-only (Kubernetes readOnlyRootFilesystem): keep the worker
# heartbeat files in memory and the control socket in /tmp (an emptyDir / tmpfs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "/tmp/gunicorn.ctl")  # noqa: S108

# Logs go to stdout/stderr for the container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %({host}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Only the ingress / nginx reaches the pods, so trust their X-Forwarded-* headers. Django reads
# X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER in huiji.settings.production).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
