"""Handling payment notifications: the time of one verified notification, and throughput
under concurrency (every order notified three times at once, as gateways retry).

    .venv/bin/python bench/notifications.py [--orders 200] [--threads 16]

Notifications are genuine WeChat Pay v3 ones (RSA-signed, AES-GCM-encrypted) made by the
fake gateway; each is verified, decrypted and applied under the order's row lock, in the
benchmark's own database. Prints figures, checks every order was credited exactly once.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _db import drop_database, setup_django

DB = "huiji_bench_notifications"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from huiji.payments.fake_gateway import FakePaymentGateway
    from tenant_apps.accounts.services import user_create
    from tenant_apps.billing.models import Order, OrderStatus
    from tenant_apps.billing.payments import payment_notified
    from tenant_apps.billing.tests.online import MCHID, WX_APPID, connect_accounts
    from tenant_apps.configuration.models import MemberType
    from tenants.services import association_create, platform_ensure_public

    fake = FakePaymentGateway().start()
    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        association_create(acting_user=None, name="基准", slug="bench", profile="cmes",
                           admin_name="Admin", admin_email="a@bench.test",
                           admin_password="Bench-passw0rd-2026")
        total = 100 + args.orders
        with schema_context("bench"):
            connect_accounts(fake)
            payer = user_create(acting_user=None, name="缴费人", phone="13900000000",
                                password="Bench-passw0rd-2026")
            regular = MemberType.objects.get(code="regular")
            Order.objects.bulk_create([Order(
                number=f"B{n:015d}", transfer_reference=f"HJB{n:05d}", kind="renewal",
                payer=payer, member_type=regular, years=1, unit_amount_fen=5000,
                amount_fen=5000, method="wechat", expires_at=timezone.now()
                + timezone.timedelta(days=1)) for n in range(total)])
        for n in range(total):
            number = f"B{n:015d}"
            fake.trades[number] = {"provider": "wechat", "merchant": MCHID, "app_id": WX_APPID,
                                   "amount": 5000, "notify_url": "", "status": "NOTPAY",
                                   "transaction_id": ""}
            fake.pay(number, send=False)

        # one at a time
        latencies = []
        with schema_context("bench"):
            for n in range(100):
                headers, body = fake.notification(f"B{n:015d}")
                started = time.perf_counter()
                assert payment_notified(method="wechat", headers=headers,
                                        body=body).outcome == "applied"
                latencies.append(time.perf_counter() - started)

        # many at once: each remaining order three times
        copies = [fake.notification(f"B{n:015d}") for n in range(100, total) for _ in range(3)]
        outcomes: list[str] = []
        lock = threading.Lock()

        def deliver(copy):
            try:
                with schema_context("bench"):
                    outcome = payment_notified(method="wechat", headers=copy[0],
                                               body=copy[1]).outcome
                with lock:
                    outcomes.append(outcome)
            finally:
                connections.close_all()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(deliver, copies))
        elapsed = time.perf_counter() - started
        connection.set_schema_to_public()
        with schema_context("bench"):
            confirmed = Order.objects.filter(status=OrderStatus.CONFIRMED).count()

        print("payment notifications (WeChat Pay v3: verify signature, decrypt, apply under lock)")
        print(f"  one at a time     median {statistics.median(latencies) * 1000:.1f} ms  "
              f"p95 {sorted(latencies)[94] * 1000:.1f} ms  (100 notifications)")
        print(f"  concurrent        {len(copies)} notifications for {args.orders} orders on "
              f"{args.threads} threads in {elapsed:.2f} s = {len(copies) / elapsed:.0f}/s")
        once = confirmed == total and outcomes.count("applied") == args.orders
        print(f"  applied {outcomes.count('applied')}, duplicates {outcomes.count('duplicate')}"
              f", orders confirmed {confirmed} of {total} (each exactly once: "
              f"{'yes' if once else 'NO'})")
    finally:
        fake.stop()
        drop_database(DB)


if __name__ == "__main__":
    main()
