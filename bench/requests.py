"""Requests per second: an association's landing page versus a bare Django view, same server.

    .venv/bin/python bench/requests.py [--seconds 10] [--connections 16] [--workers 2]

Starts gunicorn (the production server) on a fresh benchmark database with one association,
then loads, in one run, http://bench.localhost:PORT/ (tenant resolution from the cache, a
schema switch, one query and a template) and http://bench.localhost:PORT/ping (the same
middleware, no query, no template). Uses wrk when installed (apt-get install wrk), otherwise a
simple threaded Python client (which competes with the server for CPU: figures are lower).

It runs the test settings (a new database connection per request, no shared cache) and plain
`gunicorn -w N`; `bench/pages.py` measures the landing, join, member and staff pages against
/ping on gunicorn as shipped (deploy/gunicorn.conf.py) with the production settings, and is
the one whose figures docs/operations.md records.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

from _db import ROOT, drop_database, setup_django

DB = "huiji_bench_requests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _python_load(port: int, host: str, path: str, seconds: float, connections: int) -> float:
    done = [0] * connections
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while time.perf_counter() < stop:
            conn.request("GET", path, headers={"Host": host})
            conn.getresponse().read()
            done[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def _wrk_load(port: int, host: str, path: str, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "-H", f"Host: {host}",
         f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = setup_django(DB)
    from django.core.management import call_command

    from tenants.services import association_create, platform_ensure_public

    call_command("migrate_schemas", interactive=False, verbosity=0)
    platform_ensure_public()
    association_create(acting_user=None, name="基准测试学会", slug="bench", profile="cmes",
                       admin_name="Admin", admin_email="a@bench.test",
                       admin_password="Bench-passw0rd-2026")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "huiji.settings.test",
           "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "huiji.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/ping", headers={"Host": "bench.localhost"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        load = _wrk_load if shutil.which("wrk") else _python_load
        tool = "wrk" if load is _wrk_load else "python threads"
        results = {}
        for label, path in (("warm-up", "/"), ("association landing page /", "/"),
                            ("bare Django view /ping", "/ping")):
            seconds = 2 if label == "warm-up" else args.seconds
            results[label] = load(port, "bench.localhost", path, seconds, args.connections)
        print(f"requests per second, gunicorn -w {args.workers}, {args.connections} "
              f"connections, {args.seconds:.0f} s each, load by {tool}")
        for label in ("association landing page /", "bare Django view /ping"):
            print(f"  {label:30s} {results[label]:8.0f} req/s")
        ratio = results["association landing page /"] / results["bare Django view /ping"]
        print(f"  the landing page runs at {ratio:.0%} of the bare view's rate")
    finally:
        server.terminate()
        server.wait(timeout=20)
        drop_database(DB)


if __name__ == "__main__":
    main()
