"""The production server for a benchmark: gunicorn with the shipped configuration
(deploy/gunicorn.conf.py: gthread, WEB_CONCURRENCY workers of GUNICORN_THREADS threads) and
the production settings, on a benchmark's own database, Redis database and port.

The production settings want TLS in front (secure cookies, redirect to https); a benchmark
speaks plain HTTP to 127.0.0.1, so the redirect is switched off by its variable and clients
send `X-Forwarded-Proto: https` as nginx does, which makes Django treat the request as secure
(SECURE_PROXY_SSL_HEADER). Nothing else differs from a deployment.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from _db import ROOT

# The key payment secrets are encrypted with (ENCRYPTION_KEY): the same in the benchmark's
# own process, which stores them, and in the server, which reads them.
ENCRYPTION_KEY = "bench-only-encryption-key-0123456789abcdef"
# The keys personal data and payment secrets are sealed with (HUIJI_DATA_KEYS): one of the
# benchmark's own, the same for the set-up and the servers (the production settings refuse the
# development key). Base64 of 32 bytes.
DATA_KEYS = "bench=YmVuY2gtb25seS1kYXRhLWtleS0zMi1ieXRlcyEhISE="


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, *, redis_db: int, **extra: str) -> dict:
    """Environment of a production process (web or worker) for a benchmark: Redis as cache and
    broker (database `redis_db`, one a benchmark keeps to itself: the tenant resolution cache
    is keyed by host name only)."""
    redis = f"redis://127.0.0.1:6379/{redis_db}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "huiji.settings.production",
        "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ENCRYPTION_KEY": ENCRYPTION_KEY,
        "HUIJI_DATA_KEYS": DATA_KEYS,
        "CACHE_URL": redis,
        "CELERY_BROKER_URL": redis,
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def flush_redis(redis_db: int) -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()


def gunicorn_start(env: dict, port: int, log: Path, wsgi_app: str | None = None
                   ) -> subprocess.Popen:
    """gunicorn -c deploy/gunicorn.conf.py on 127.0.0.1:`port`; its access and error log go
    to `log`. Returns once it answers /ping."""
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_CONTROL_SOCKET": str(log.with_suffix(".ctl"))}
    command = [sys.executable, "-m", "gunicorn", "--config",
               str(ROOT / "deploy" / "gunicorn.conf.py")]
    if wsgi_app:
        command.append(wsgi_app)
    out = log.open("ab")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_http(port, server)
    return server


def wait_http(port: int, process: subprocess.Popen, path: str = "/ping",
              seconds: float = 60) -> None:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited ({process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port} within {seconds:.0f} s")


def stop(process: subprocess.Popen | None, seconds: float = 30) -> None:
    """Stop a process this benchmark started (gunicorn and celery stop their children)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tree_rss_mb(process: subprocess.Popen) -> tuple[float, int]:
    """Resident memory of a process and its children, MB, and how many processes."""
    import psutil

    try:
        root = psutil.Process(process.pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0, 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20, len(members)


def tree_cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time (user + system) a process and its living children have used so far."""
    import psutil

    try:
        root = psutil.Process(process.pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for member in members:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def database_cpu(database: str) -> dict[int, float]:
    """CPU time (seconds) used so far by each PostgreSQL backend connected to `database`, by
    pid (the server runs on this machine; its processes are read by pid). Subtract two of
    these with `cpu_used`."""
    import psutil
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
        pids = [row[0] for row in cursor.fetchall()]
    used = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        used[pid] = times.user + times.system
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """Seconds used between two `database_cpu` readings (backends that started in between
    count from zero; those that ended in between are lost, so read before they close)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
