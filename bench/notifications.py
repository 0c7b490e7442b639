"""Handling payment notifications: the time of one verified notification, and throughput
under concurrency (every order notified three times at once, as gateways retry), in process
and over HTTP on gunicorn as shipped.

    .venv/bin/python bench/notifications.py [--orders 1000] [--threads 16] [--repeat 1]
                                            [--skip-http] [--profile DIR]

Notifications are genuine WeChat Pay v3 ones (RSA-signed, AES-GCM-encrypted) made by the
fake gateway before the clock starts; each is verified, decrypted and applied at most once,
in the benchmark's own database.

- one at a time: `payment_notified` in this process, 100 first deliveries, then the same
  100 again (duplicates).
- in process: every other order notified three times, on `--threads` threads.
- over HTTP: gunicorn with deploy/gunicorn.conf.py and the production settings (Redis as
  cache and broker), `--threads` keep-alive connections POSTing to
  /payments/notify/wechat/ three copies of each of `--orders` orders' notifications, in a
  random order: notifications/s, p50/p99 of a request, and the exactly-once check on the
  database (each order confirmed once, one `applied` notice per order, the rest answered as
  duplicates, the revenue summary equal to the confirmed money). `--profile DIR` records
  the gunicorn workers with py-spy (when installed) into DIR, as collapsed stacks
  (flamegraph.pl or speedscope read them).

Prints figures; the exactly-once checks say yes or NO.
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _db import drop_database, setup_django
from _server import (
    DATA_KEYS,
    ENCRYPTION_KEY,
    cpu_used,
    database_cpu,
    flush_redis,
    free_port,
    gunicorn_start,
    production_env,
    stop,
    tree_cpu_seconds,
)

DB = "huiji_bench_notifications"
REDIS_DB = 11
HOST = "bench.localhost"
AMOUNT = 5000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000,
                        help="orders notified three times each over HTTP (and in process: "
                             "a fifth of them)")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=1, help="HTTP runs, fresh orders each")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--profile", help="a folder for py-spy flame graphs of the workers")
    args = parser.parse_args()
    import os

    os.environ["ENCRYPTION_KEY"] = ENCRYPTION_KEY
    os.environ["HUIJI_DATA_KEYS"] = DATA_KEYS
    url = setup_django(DB)
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from huiji.payments.fake_gateway import FakePaymentGateway
    from tenant_apps.accounts.services import user_create
    from tenant_apps.billing.models import Order, OrderStatus, PaymentNotice, RevenueDay
    from tenant_apps.billing.payments import payment_notified
    from tenant_apps.billing.tests.online import MCHID, WX_APPID, connect_accounts
    from tenant_apps.configuration.models import MemberType
    from tenants.services import association_create, platform_ensure_public

    fake = FakePaymentGateway().start()
    made = [0]

    def new_orders(count: int) -> list[str]:
        """`count` pending WeChat orders, paid at the fake gateway (not yet notified)."""
        first = made[0]
        made[0] += count
        numbers = [f"B{n:015d}" for n in range(first, first + count)]
        with schema_context("bench"):
            Order.objects.bulk_create([Order(
                number=number, transfer_reference=f"HJB{first + i:07d}", kind="renewal",
                payer=payer, member_type=regular, years=1, unit_amount_fen=AMOUNT,
                amount_fen=AMOUNT, method="wechat",
                expires_at=timezone.now() + timezone.timedelta(days=1))
                for i, number in enumerate(numbers)])
        for number in numbers:
            fake.trades[number] = {"provider": "wechat", "merchant": MCHID, "app_id": WX_APPID,
                                   "amount": AMOUNT, "notify_url": "", "status": "NOTPAY",
                                   "transaction_id": ""}
            fake.pay(number, send=False)
        return numbers

    def exactly_once(numbers: list[str]) -> tuple[bool, str]:
        """Each order confirmed, with exactly one `applied` notice; every other verified copy
        a duplicate; the revenue summary holds the confirmed money once."""
        connection.set_schema_to_public()
        with schema_context("bench"):
            confirmed = Order.objects.filter(number__in=numbers,
                                             status=OrderStatus.CONFIRMED).count()
            notices = PaymentNotice.objects.filter(order_number__in=numbers)
            applied = notices.filter(outcome="applied").count()
            duplicate = notices.filter(outcome="duplicate").count()
            other = notices.exclude(outcome__in=["applied", "duplicate"]).count()
            twice = notices.filter(outcome="applied").values("order_number").distinct().count()
            revenue = sum(RevenueDay.objects.values_list("total_fen", flat=True))
            money = sum(Order.objects.filter(status=OrderStatus.CONFIRMED)
                        .values_list("amount_fen", flat=True))
        ok = (confirmed == applied == twice == len(numbers) and other == 0
              and duplicate == 2 * len(numbers) and revenue == money)
        return ok, (f"orders confirmed {confirmed} of {len(numbers)}, applied {applied} "
                    f"(orders with one: {twice}), duplicates {duplicate}, other {other}, "
                    f"revenue summary {'=' if revenue == money else '!='} confirmed money")

    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        association_create(acting_user=None, name="基准", slug="bench", profile="cmes",
                           admin_name="Admin", admin_email="a@bench.test",
                           admin_password="Bench-passw0rd-2026")
        with schema_context("bench"):
            connect_accounts(fake)
            payer = user_create(acting_user=None, name="缴费人", phone="13900000000",
                                password="Bench-passw0rd-2026")
            regular = MemberType.objects.get(code="regular")

        print("payment notifications (WeChat Pay v3: verify signature, decrypt, apply once)")
        # one at a time, in this process
        first = new_orders(100)
        for label in ("first delivery", "duplicate"):
            latencies = []
            with schema_context("bench"):
                for number in first:
                    headers, body = fake.notification(number)
                    started = time.perf_counter()
                    payment_notified(method="wechat", headers=headers, body=body)
                    latencies.append(time.perf_counter() - started)
            print(f"  one at a time, {label:15s} p50 {percentile(latencies, 50) * 1000:.1f} ms"
                  f"  p99 {percentile(latencies, 99) * 1000:.1f} ms  (100 notifications)")

        # many at once, in this process: each order three times
        numbers = new_orders(max(1, args.orders // 5))
        copies = [fake.notification(n) for n in numbers for _ in range(3)]
        random.shuffle(copies)

        queue, lock = list(copies), threading.Lock()
        # The database's CPU is read while the threads' connections are still open.
        drained, read = threading.Barrier(args.threads + 1), threading.Event()

        def deliver() -> None:
            """One connection per thread, as a server's thread keeps it."""
            try:
                while True:
                    with lock:
                        if not queue:
                            break
                        headers, body = queue.pop()
                    with schema_context("bench"):
                        payment_notified(method="wechat", headers=headers, body=body)
                drained.wait()
                read.wait()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=deliver) for _ in range(args.threads)]
        cpu_before, db_before = time.process_time(), database_cpu(DB)
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        drained.wait()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        db_cpu = cpu_used(db_before, database_cpu(DB))
        read.set()
        for thread in threads:
            thread.join()
        ok, detail = exactly_once(numbers)
        print(f"  in process        {len(copies)} notifications for {len(numbers)} orders on "
              f"{args.threads} threads in {elapsed:.2f} s = {len(copies) / elapsed:.0f}/s; "
              f"CPU per notification: Python {cpu / len(copies) * 1000:.2f} ms, PostgreSQL "
              f"{db_cpu / len(copies) * 1000:.2f} ms")
        print(f"    exactly once: {'yes' if ok else 'NO'} ({detail})")
        if not args.skip_http:
            for run in range(args.repeat):
                _over_http(args, url, new_orders, fake, exactly_once, run)
    finally:
        fake.stop()
        drop_database(DB)


def _over_http(args, url, new_orders, fake, exactly_once, run: int) -> None:
    numbers = new_orders(args.orders)
    copies = [fake.notification(n) for n in numbers for _ in range(3)]
    random.shuffle(copies)
    flush_redis(REDIS_DB)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="huiji-bench-notify-"))
    server = gunicorn_start(production_env(url, redis_db=REDIS_DB), port, folder / "web.log")
    profiler = None
    try:
        # warm the workers (imports, connections, the tenant resolution cache)
        for _ in range(20):
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", "/payments/notify/wechat/", headers={"Host": HOST})
            conn.getresponse().read()
        spy = shutil.which("py-spy") or shutil.which("py-spy",
                                                      path=str(Path(sys.executable).parent))
        if args.profile and spy:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profiler = subprocess.Popen(
                [spy, "record", "--pid", str(server.pid), "--subprocesses", "--rate",
                 "200", "--gil", "--format", "raw", "--output",
                 str(Path(args.profile) / f"notify-run{run + 1}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        queue = list(copies)
        lock = threading.Lock()
        latencies: list[float] = []
        statuses: dict[int, int] = {}

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while True:
                with lock:
                    if not queue:
                        return
                    headers, body = queue.pop()
                began = time.perf_counter()
                conn.request("POST", "/payments/notify/wechat/", body=body,
                             headers={**headers, "Host": HOST})
                response = conn.getresponse()
                response.read()
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        threads = [threading.Thread(target=client) for _ in range(args.threads)]
        web_before, db_before = tree_cpu_seconds(server), database_cpu(DB)
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        web_cpu = tree_cpu_seconds(server) - web_before
        db_cpu = cpu_used(db_before, database_cpu(DB))
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
            profiler.wait(timeout=120)
        stop(server)
    ok, detail = exactly_once(numbers)
    errors = sum(n for status, n in statuses.items() if status != 204)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"  over HTTP (run {run + 1}) {len(copies)} notifications for {len(numbers)} orders, "
          f"{args.threads} connections, gunicorn as shipped: {elapsed:.2f} s = "
          f"{len(copies) / elapsed:.0f}/s  p50 {percentile(latencies, 50) * 1000:.1f} ms  "
          f"p99 {percentile(latencies, 99) * 1000:.1f} ms  errors {errors}  "
          f"(load average {' '.join(load)})")
    print(f"    CPU per notification: gunicorn {web_cpu / len(copies) * 1000:.2f} ms, "
          f"PostgreSQL {db_cpu / len(copies) * 1000:.2f} ms (both cores: "
          f"{2000 / ((web_cpu + db_cpu) / len(copies) * 1000):.0f}/s if nothing else ran)")
    print(f"    exactly once: {'yes' if ok else 'NO'} ({detail})")
    if statistics.mean(latencies) and errors:
        print(f"    answers: {statuses}; server log in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
