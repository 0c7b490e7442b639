"""Requests per second of an association's pages against a bare Django view, on gunicorn as
shipped (deploy/gunicorn.conf.py) with the production settings.

    .venv/bin/python bench/pages.py [--seconds 10] [--connections 16] [--rounds 3]
        [--workers N] [--max-requests 2000,20000,0] [--pages ping,landing,...]

Makes a throw-away database on the platform's database server (DATABASE_URL's, else the
embedded one) with one CMES association, a member with an active membership and its HQ
administrator, each signed in once (their session cookies are sent with their pages), and
collects the static files into a temporary folder as the Docker image does. Then starts
gunicorn with `-c deploy/gunicorn.conf.py` and `huiji.settings.production` (workers and
threads as shipped unless `--workers`; the access log goes to /dev/null) and loads, with wrk
(`apt-get install wrk`; 2 threads, `--connections`, `--latency`), each page in turn:

    /ping               the bare view: the same middleware, no query, no template
    /                   the association's landing page, anonymous
    /join/              the join page, anonymous
    /announcements/     the public announcements, anonymous
    /member/            the member centre's home, signed in as the member
    /manage/members/    the staff member list, signed in as the HQ administrator
    /review/            the review queue, signed in as the HQ administrator

Every request carries `X-Forwarded-Proto: https` (as from nginx: production redirects plain
HTTP). Prints req/s, p50 and p99 per page and each page's rate as a percentage of /ping's in
the same round, and the median over `--rounds` rounds. With several `--max-requests` values
(gunicorn's worker recycling, `GUNICORN_MAX_REQUESTS`; 0 is none) the server is started once
per value. Uses `CACHE_URL` (Redis as in production) when set, else the local-memory cache.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import os
import re
import resource
import runpy
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _db import ROOT, drop_database, setup_django

# bench/requests.py would shadow the requests library the test client's imports need
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

DB = "huiji_bench_pages"
SLUG = "bench"
HOST = f"{SLUG}.localhost"
SECRET = "bench-pages-not-a-secret"  # the same in this process and the server: session hashes
PAGES = {  # name: (path, who)
    "ping": ("/ping", None),
    "landing": ("/", None),
    "join": ("/join/", None),
    "announcements": ("/announcements/", None),
    "member": ("/member/", "member"),
    "staff-members": ("/manage/members/", "staff"),
    "staff-review": ("/review/", "staff"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build() -> dict[str, str]:
    """The association, its member and administrator; their session cookies."""
    from django.core.management import call_command
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate
    from tenants.services import association_create, platform_ensure_public

    call_command("migrate_schemas", interactive=False, verbosity=0)
    platform_ensure_public()
    association_create(acting_user=None, name="基准测试学会", slug=SLUG, profile="cmes",
                       admin_name="管理员", admin_email="admin@bench.test",
                       admin_password="Bench-passw0rd-2026")
    cookies = {}
    with schema_context(SLUG):
        member = user_create(acting_user=None, name="张三", username="zhangsan",
                             password="Bench-passw0rd-2026", roles=[Role.MEMBER],
                             phone="13900000001")
        membership_activate(acting_user=None, user=member, rank=None, years=1,
                            member_type=MemberType.objects.filter(active=True).first())
        admin = User.objects.get(email="admin@bench.test")
        # 公告动态 on, with three public announcements: on the landing page and their list
        from tenant_apps.announcements.services import (
            announcement_publish,
            announcement_save,
            settings_apply,
        )

        settings_apply(enabled=True, title="")
        for n in range(1, 4):
            announcement_publish(acting_user=admin, announcement=announcement_save(
                acting_user=admin, announcement=None, title=f"第{n}届年会通知",
                body="<p>年会将于十二月举行，欢迎会员参加。</p>", audience="public"))
        for who, user in (("member", member), ("staff", admin)):
            client = Client(HTTP_HOST=HOST)
            client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
            cookies[who] = f"sessionid={client.cookies['sessionid'].value}"
    return cookies


def _collectstatic(env: dict, into: str) -> None:
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env={**env, "STATIC_ROOT": into}, check=True)


def _get(port: int, path: str, cookie: str | None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _start(env: dict, port: int, workers: int | None, max_requests: int) -> subprocess.Popen:
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_MAX_REQUESTS": str(max_requests),
           "LOG_LEVEL": "WARNING"}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--chdir", str(ROOT / "platform")], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if _get(port, "/ping", None)[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not answer /ping")


def _server_cpu(master: int) -> float:
    """CPU seconds gunicorn has used so far: the master, its live workers, and the workers it
    has reaped (recycled), from /proc. Unlike req/s this hardly depends on what else the
    machine runs."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: int) -> list[str]:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()

    fields = stat(master)  # utime stime cutime cstime are fields 14-17 (index 11-14 here)
    total = sum(int(v) for v in fields[11:15])
    with open(f"/proc/{master}/task/{master}/children") as f:
        for child in f.read().split():
            with contextlib.suppress(FileNotFoundError):  # reaped: in cutime next time
                total += sum(int(v) for v in stat(int(child))[11:13])
    return total / tick


def _boot_cpu(env: dict, runs: int = 3) -> float:
    """CPU seconds a gunicorn worker spends loading the application after the fork (gunicorn
    does not preload it): a fresh interpreter importing huiji.wsgi, less one importing only
    gunicorn's worker, median of `runs`."""
    def cpu(code: str) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], cwd=ROOT / "platform", env=env,
                       check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    app = statistics.median(cpu("import huiji.wsgi") for _ in range(runs))
    bare = statistics.median(cpu("import gunicorn.workers.gthread") for _ in range(runs))
    return app - bare


def _wrk(port: int, path: str, cookie: str | None, seconds: float, connections: int,
         master: int) -> tuple[float, float, float, int, float]:
    """req/s, p50 ms, p99 ms, non-2xx answers, server CPU ms per request."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "-H", f"Host: {HOST}", "-H", "X-Forwarded-Proto: https"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    cpu = _server_cpu(master)
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    cpu = _server_cpu(master) - cpu

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), ms("50"), ms("99"),
            int(bad.group(1)) if bad else 0, 1000 * cpu / max(requests, 1))


def _round(port: int, master: int, names: list[str], cookies: dict, args) -> dict[str, tuple]:
    found = {}
    for name in names:
        path, who = PAGES[name]
        cookie = cookies.get(who)
        _wrk(port, path, cookie, 1, args.connections, master)  # warm every thread's connection
        found[name] = _wrk(port, path, cookie, args.seconds, args.connections, master)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: as shipped, WEB_CONCURRENCY or 2)")
    parser.add_argument("--max-requests", default="2000",
                        help="comma-separated GUNICORN_MAX_REQUESTS values; 0 is no recycling")
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    names = [n.strip() for n in args.pages.split(",") if n.strip()]
    if "ping" not in names:
        names.insert(0, "ping")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    os.environ["SECRET_KEY"] = SECRET
    # The production settings refuse the development data key: the data is written and served
    # under a key of the benchmark's own (the same for both, or sealed values would not open).
    os.environ.setdefault("HUIJI_DATA_KEYS", "bench=" + base64.b64encode(b"b" * 32).decode())
    url = setup_django(DB)
    from django.conf import settings

    static = tempfile.mkdtemp(prefix="huiji-bench-static-")
    try:
        cookies = _build()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET,
               "DJANGO_SETTINGS_MODULE": "huiji.settings.production", "STATIC_ROOT": static,
               "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:1/0"),
               "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
        _collectstatic(env, static)
        cache = os.environ.get("CACHE_URL") or "local memory (per process)"
        shipped = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
        workers, threads = args.workers or shipped["workers"], shipped["threads"]
        print(f"pages on gunicorn -c deploy/gunicorn.conf.py: {workers} worker(s) x {threads} "
              f"threads (gthread), huiji.settings.production, cache {cache}, database "
              f"{settings.DATABASES['default']['HOST'] or 'socket'}")
        print(f"load: wrk -t2 -c{args.connections}, {args.seconds:.0f} s per page after 1 s "
              f"warm-up, {args.rounds} round(s); load average before: "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        recycling = [int(v) for v in args.max_requests.split(",")]
        if len(recycling) > 1 or recycling[0]:
            print(f"a worker's boot (loading the application after the fork): "
                  f"{_boot_cpu(env):.2f} s CPU")
        for max_requests in recycling:
            port = _free_port()
            server = _start(env, port, args.workers, max_requests)
            try:
                for name in names:  # each page answers as expected before it is timed
                    path, who = PAGES[name]
                    status, _ = _get(port, path, cookies.get(who))
                    if status != 200:
                        raise SystemExit(f"{path} as {who or 'anonymous'} answered {status}")
                rounds = [_round(port, server.pid, names, cookies, args)
                          for _ in range(args.rounds)]
            finally:
                server.terminate()
                server.wait(timeout=30)
            _print(max_requests, names, rounds)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(static, ignore_errors=True)
        drop_database(DB)


def _print(max_requests: int, names: list[str], rounds: list[dict]) -> None:
    print(f"\nmax_requests {max_requests or 'none (no recycling)'}: median of "
          f"{len(rounds)} round(s)")
    print(f"  {'page':32s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'of /ping':>8s}"
          f" {'CPU ms/req':>10s} {'of /ping':>8s} {'errors':>6s}")
    for name in names:
        path, who = PAGES[name]
        rate = statistics.median(r[name][0] for r in rounds)
        p50 = statistics.median(r[name][1] for r in rounds)
        p99 = statistics.median(r[name][2] for r in rounds)
        ratio = statistics.median(r[name][0] / r["ping"][0] for r in rounds)
        errors = sum(r[name][3] for r in rounds)
        cpu = statistics.median(r[name][4] for r in rounds)
        # /ping's CPU per request over the page's: the share of /ping's rate the page would
        # reach on cores of its own
        share = statistics.median(r["ping"][4] / r[name][4] for r in rounds)
        label = f"{path} ({who or 'anonymous'})"
        print(f"  {label:32s} {rate:7.0f} {p50:7.2f} {p99:7.2f} {ratio:8.0%} {cpu:10.2f}"
              f" {share:8.0%} {errors:6d}")


if __name__ == "__main__":
    main()
