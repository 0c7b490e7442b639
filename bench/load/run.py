"""The load test: a sustained mix of sign-ups with SMS codes, application steps, payment
notifications, member pages and staff queues against the production server, bounded in time.

    .venv/bin/python bench/load/run.py [--minutes 10] [--users 30] [--smoke] [--keep]

`--smoke` is a 1-minute run with 12 users, for anyone to try. It sets up, in a database of its
own on the platform's database server (DATABASE_URL's, else the embedded one):

- the demo platform (`manage.py demo_setup`: the four associations, their staff and
  members), and pending renewal orders of the demo members for the gateway to notify;
- the fake SMS gateway (Aliyun protocol) the server sends verification codes and messages
  to, with a lookup of the last code per phone for the test's applicants;
- gunicorn with deploy/gunicorn.conf.py and the production settings (bench/load/wsgi.py:
  the human check on sign-up accepts any answer), a Celery worker (prefork, 2 processes),
  Redis as cache and broker;
- locust, headless, with bench/load/locustfile.py's users for `--minutes`.

While locust runs, the resident memory of gunicorn's and Celery's processes is sampled every
10 s. Afterwards it prints requests per second, p50/p99 and failures per kind of request,
memory at the start, middle and end, and checks that every notified order was applied
exactly once (one `applied` notice per order, each copy after it a duplicate, the order
confirmed). The folder with the logs, locust's CSV files and the samples is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

# bench/ for _db and _server, after site-packages: its requests.py is not the `requests` library
sys.path.append(str(Path(__file__).resolve().parents[1]))

from _db import ROOT, drop_database, fresh_database, setup_django_again
from _server import (
    DATA_KEYS,
    ENCRYPTION_KEY,
    flush_redis,
    free_port,
    gunicorn_start,
    production_env,
    stop,
    tree_rss_mb,
)

DB = "huiji_load"
REDIS_DB = 12
SMS_KEY, SMS_SECRET = "load-key", "load-secret"
SAMPLE_SECONDS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--smoke", action="store_true", help="1 minute, 12 users")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="FOLDER",
                        help="the folder of an earlier run made with --keep: its database and "
                             "demo data again (no demo_setup), new orders")
    args = parser.parse_args()
    if args.smoke:
        args.minutes, args.users = 1, 12
    folder = Path(tempfile.mkdtemp(prefix="huiji-load-"))
    data = Path(args.reuse) / "data" if args.reuse else folder / "data"
    print(f"load test: {args.users} users for {args.minutes:g} min; logs in {folder}",
          flush=True)
    os.environ["ENCRYPTION_KEY"] = ENCRYPTION_KEY
    os.environ["HUIJI_DATA_KEYS"] = DATA_KEYS
    os.environ["HUIJI_DATA_DIR"] = str(data)
    url = setup_django_again(DB) if args.reuse else fresh_database(DB)
    processes: list[subprocess.Popen] = []
    sms = None
    try:
        started = time.perf_counter()
        if not args.reuse:
            setup_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "huiji.settings.development",
                         "DEBUG": "0", "DATABASE_URL": url,
                         "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
            setup_env.pop("CELERY_BROKER_URL", None)
            with (folder / "setup.log").open("w") as log:
                subprocess.run([sys.executable, "manage.py", "demo_setup"], cwd=ROOT,
                               env=setup_env, stdout=log, stderr=subprocess.STDOUT, check=True)
            setup_django_again(DB)
        orders_needed = int(args.minutes * 60 * 3) + 100  # the gateway sends about 2 a second
        config = _seed(data, orders_needed)
        print(f"  set up in {time.perf_counter() - started:.0f} s: {len(config['members'])} "
              f"members, {len(config['orders'])} pending orders to notify", flush=True)

        from huiji.sms.fake_gateway import FakeSmsGateway

        sms = FakeSmsGateway({SMS_KEY: SMS_SECRET}).start()
        codes_port = free_port()
        _serve_codes(sms, codes_port)
        flush_redis(REDIS_DB)
        env = production_env(
            url, redis_db=REDIS_DB, HUIJI_DATA_DIR=str(data),
            STATIC_ROOT=str(folder / "static"),
            HUIJI_TRUSTED_PROXIES="1", SMS_BACKEND="aliyun", SMS_ACCESS_KEY_ID=SMS_KEY,
            SMS_ACCESS_KEY_SECRET=SMS_SECRET, SMS_SIGN_NAME="会籍", SMS_ENDPOINT=sms.url,
            SMS_TEMPLATES=_sms_templates(), LOG_LEVEL="WARNING")
        with (folder / "setup.log").open("a") as log:  # as the image is built
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "huiji", "worker", "--concurrency=2",
             "--without-gossip", "--without-mingle", "-l", "WARNING"], cwd=ROOT, env=env,
            stdout=(folder / "worker.log").open("w"), stderr=subprocess.STDOUT)
        processes.append(worker)
        port = free_port()
        web = gunicorn_start(env, port, folder / "web.log", "bench.load.wsgi:application")
        processes.append(web)
        config.update(server=f"http://127.0.0.1:{port}",
                      sms_codes=f"http://127.0.0.1:{codes_port}/code",
                      sent_file=str(folder / "sent.json"))
        (folder / "config.json").write_text(json.dumps(config), "utf-8")

        samples: list[tuple[float, float, float]] = []
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"),
             "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
             "-t", f"{int(args.minutes * 60)}s", "--csv", str(folder / "locust"),
             "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "LOAD_CONFIG": str(folder / "config.json"),
                           "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"},
            stdout=(folder / "locust.log").open("w"), stderr=subprocess.STDOUT)
        processes.append(locust)
        load_started = time.perf_counter()
        while locust.poll() is None:
            web_mb, _n = tree_rss_mb(web)
            worker_mb, _n = tree_rss_mb(worker)
            samples.append((time.perf_counter() - load_started, web_mb, worker_mb))
            _wait(locust, SAMPLE_SECONDS)
        _drain(worker)
        (folder / "memory.csv").write_text("seconds,gunicorn_mb,celery_mb\n" + "".join(
            f"{t:.0f},{w:.1f},{c:.1f}\n" for t, w, c in samples), "utf-8")
        _report(args, folder, samples, web)
    finally:
        for process in reversed(processes):
            stop(process)
        if sms is not None:
            sms.stop()
        if args.keep or args.reuse:
            print(f"kept the database {DB}; again with --reuse {args.reuse or folder}")
        else:
            drop_database(DB)


def _wait(process: subprocess.Popen, seconds: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=seconds)


def _drain(worker: subprocess.Popen, seconds: float = 60) -> None:
    """Let the worker finish the messages the last requests queued (at most `seconds`)."""
    import redis

    queue = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at and queue.llen("celery"):
        time.sleep(1)


def _sms_templates() -> str:
    """An approved template code for every event the platform sends by SMS (the fake gateway
    refuses a send without one, as Aliyun does)."""
    from tenant_apps.notifications.events import EVENTS

    return ";".join(f"{event}=SMS_LOAD_{event.upper()}" for event in EVENTS)


def _seed(data: Path, orders_needed: int) -> dict:
    """The demo's members and staff for locust to log in as, and pending renewal orders of
    the members (one at a time per member's turn, at the fee of their type) for the gateway
    to notify, with their merchants' keys."""
    import secrets

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from huiji.payments.fake_gateway import PLATFORM_SERIAL
    from tenant_apps.billing.models import Order
    from tenant_apps.billing.pricing import renewal_price
    from tenant_apps.configuration.models import PaymentAccount
    from tenant_apps.memberships.models import Membership
    from tenants.demo_members import MEMBER_PASSWORD
    from tenants.management.commands.demo_setup import (
        ADMIN_PASSWORD,
        ASSOCIATIONS,
        STAFF,
        STAFF_PASSWORD,
    )
    from tenants.models import Association

    state = json.loads((data / "fake-payments.json").read_text("utf-8"))
    run = secrets.token_hex(2).upper()  # order numbers of this run
    config = {"sites": [], "signup_sites": ["cmes.localhost", "cacem.localhost"],
              "members": [], "admins": [], "finance": [], "orders": [],
              "member_password": MEMBER_PASSWORD, "admin_password": ADMIN_PASSWORD,
              "staff_password": STAFF_PASSWORD, "platform_private": state["platform_private"],
              "platform_serial": PLATFORM_SERIAL}
    memberships_by_site = {}
    for spec in ASSOCIATIONS:
        association = Association.objects.get(slug=spec["slug"])
        host = association.domains.get(is_primary=True).domain
        config["sites"].append(host)
        config["admins"].append({"host": host, "login": spec["admin_phone"]})
        config["finance"] += [{"host": host, "login": person["phone"]}
                              for person in STAFF.get(spec["slug"], [])
                              if "finance" in person["roles"]]
        with schema_context(spec["slug"]):
            memberships = list(Membership.objects.filter(status="active").select_related(
                "user", "member_type", "rank").prefetch_related("member_type__fees"))
            config["members"] += [{"host": host, "login": m.user.phone} for m in memberships
                                  if m.user.phone]
            account = PaymentAccount.objects.get(kind="wechat")
            memberships_by_site[spec["slug"]] = (host, memberships, account)
    per_site = orders_needed // len(memberships_by_site) + 1
    for slug, (host, memberships, account) in memberships_by_site.items():
        mchid = account.settings["merchant_id"]
        merchant = state["wechat_merchants"][mchid]
        rows = []
        with schema_context(slug):
            paying = [(m, renewal_price(m)) for m in memberships]
            paying = [(m, fen) for m, fen in paying if fen]
            for n in range(per_site):
                membership, fen = paying[n % len(paying)]
                rows.append(Order(
                    number=f"L{run}{slug[:3].upper()}{n:08d}",
                    transfer_reference=f"L{run}{slug[:2]}{n:07d}",
                    kind=Order.Kind.RENEWAL, payer=membership.user, membership=membership,
                    member_type=membership.member_type, rank=membership.rank, years=1,
                    unit_amount_fen=fen, amount_fen=fen, method="wechat",
                    expires_at=timezone.now() + timezone.timedelta(days=7)))
            Order.objects.bulk_create(rows)
        config["orders"] += [{
            "host": host, "number": order.number, "amount_fen": order.amount_fen,
            "mchid": mchid, "appid": account.settings["app_id"],
            "api_v3_key": merchant["api_v3_key"],
            "transaction_id": "4200" + secrets.token_hex(12)} for order in rows]
    return config


def _serve_codes(sms, port: int) -> None:
    """GET /code?phone=... answers the last verification code the fake SMS gateway received
    for that phone: the applicant reading their phone."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            phone = parse_qs(urlparse(self.path).query).get("phone", [""])[0]
            code = next((m["params"].get("code") for m in reversed(sms.messages)
                         if m["phone"].endswith(phone) and isinstance(m["params"], dict)
                         and m["params"].get("code")), None)
            body = json.dumps({"code": code}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _report(args, folder: Path, samples, web) -> None:
    rows = list(csv.DictReader((folder / "locust_stats.csv").open(encoding="utf-8")))
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    kinds = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"])
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\nrequests ({args.users} users, {args.minutes:g} min; load average at the end "
          f"{load} on {os.cpu_count()} cores)")
    print(f"  {'kind':32s} {'requests':>9s} {'per s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} "
          f"{'failed':>7s}")
    for row in [*kinds, total]:
        if row is None:
            continue
        print(f"  {row['Name'] or row['Type']:32s} {int(row['Request Count']):9d} "
              f"{float(row['Requests/s']):7.1f} {_ms(row['50%']):>7s} {_ms(row['99%']):>7s} "
              f"{int(row['Failure Count']):7d}")
    failures = folder / "locust_failures.csv"
    failed = list(csv.DictReader(failures.open(encoding="utf-8"))) if failures.exists() else []
    for row in failed[:10]:
        print(f"  failure: {row['Name']}: {row['Occurrences']} x {row['Error'][:160]}")
    errors = sum(1 for line in (folder / "web.log").open(encoding="utf-8", errors="replace")
                 if "Traceback" in line or " ERROR " in line)
    print(f"  server errors logged: {errors}")
    if samples:
        picks = [samples[0], samples[len(samples) // 2], samples[-1]]
        print("memory (resident, MB)        start    middle    end      min      max")
        for label, column in (("gunicorn (master+workers)", 1), ("celery (main+pool)", 2)):
            values = [s[column] for s in samples]
            print(f"  {label:26s}" + "".join(f"{s[column]:9.0f}" for s in picks) +
                  f"{min(values):9.0f}{max(values):9.0f}")
        third = max(1, len(samples) // 3)
        for label, column in (("gunicorn", 1), ("celery", 2)):
            first = statistics.median(s[column] for s in samples[:third])
            last = statistics.median(s[column] for s in samples[-third:])
            print(f"  {label} median of the first third {first:.0f}, of the last {last:.0f}")
        minutes = samples[::6]  # one a minute
        print("  gunicorn each minute: " + " ".join(f"{s[1]:.0f}" for s in minutes))
        print("  celery each minute:   " + " ".join(f"{s[2]:.0f}" for s in minutes))
    _exactly_once(folder)
    print(f"logs, locust CSV files and memory samples: {folder}")


def _ms(value: str) -> str:
    return "-" if value in ("", "N/A") else f"{float(value):.0f}"


def _exactly_once(folder: Path) -> None:
    from django.db import connection
    from django_tenants.utils import schema_context

    from tenant_apps.billing.models import Order, PaymentNotice
    from tenants.models import Association

    sent = json.loads((folder / "sent.json").read_text("utf-8")) if \
        (folder / "sent.json").exists() else {}
    copies = sum(sent.values())
    problems, applied, duplicates = [], 0, 0
    connection.set_schema_to_public()
    for association in Association.objects.exclude(schema_name="public"):
        with schema_context(association.schema_name):
            numbers = [n for n in sent if Order.objects.filter(number=n).exists()]
            notices = PaymentNotice.objects.filter(order_number__in=numbers)
            for number in numbers:
                outcomes = list(notices.filter(order_number=number)
                                .values_list("outcome", flat=True))
                order = Order.objects.get(number=number)
                if outcomes.count("applied") != 1 or order.status != "confirmed" or \
                        len(outcomes) != sent[number] or \
                        outcomes.count("duplicate") != sent[number] - 1:
                    problems.append(f"{number}: {order.status}, {outcomes}")
                applied += outcomes.count("applied")
                duplicates += outcomes.count("duplicate")
    print(f"payment notifications: {copies} sent for {len(sent)} orders; applied {applied}, "
          f"duplicates {duplicates}; each order applied exactly once: "
          f"{'yes' if not problems and applied == len(sent) else 'NO'}")
    for problem in problems[:10]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
