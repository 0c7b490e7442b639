"""The nightly membership lifecycle job at scale: 1,000,000 memberships in one association.

    .venv/bin/python bench/lifecycle.py [--members 1000000]

Builds the members with generate_series INSERTs (accounts, memberships, one period each),
their ends of validity spread evenly over 1,200 days around today (as rolling validity
spreads them), the statuses as the dates stood yesterday, and runs yesterday's job once
untimed (the reminders whose windows are already open). Then times tonight's run (goal:
under 30 s on the 2-core development machine) and a second run the same night, which must
move and send nothing. Messages are written to the outbox, not delivered (the workers
deliver them). Prints the figures; the benchmark's own database is dropped after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _db import drop_database, setup_django

DB = "huiji_bench_lifecycle"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    args = parser.parse_args()
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    import tenant_apps.notifications.services as outbox
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.lifecycle import lifecycle_run
    from tenant_apps.notifications.models import OutboxMessage
    from tenants.services import association_create, platform_ensure_public

    # Delivery is the workers' job (bench/notifications.py measures the payment side): the
    # messages are written to the outbox and counted, not delivered inline.
    outbox._queue = lambda task, ids: None
    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        association_create(acting_user=None, name="基准学会", slug="bench", profile="cmes",
                           admin_name="Admin", admin_email="a@bench.test",
                           admin_password="Bench-passw0rd-2026")
        today = timezone.localdate()
        yesterday = today - dt.timedelta(days=1)
        n = args.members
        with schema_context("bench"):
            regular = MemberType.objects.get(code="regular").pk
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("""
                    INSERT INTO accounts_user (password, is_superuser, public_id, username,
                        phone, name, roles, is_active, is_staff, date_joined, session_epoch)
                    SELECT '!', false, gen_random_uuid(), 'b' || g,
                           '139' || lpad(g::text, 8, '0'), '会员' || g, '{member}', true,
                           false, now(), 0
                    FROM generate_series(1, %(n)s) g""", {"n": n})
                cursor.execute("""
                    INSERT INTO memberships_membership (user_id, member_type_id, number, status,
                        activated_at, valid_from, valid_until)
                    SELECT u.id, %(type)s, 'B' || lpad(u.id::text, 9, '0'), 'active', now(),
                           v - 364, v
                    FROM (SELECT id, %(today)s::date - 800 + (id %% 1200)::int AS v
                          FROM accounts_user WHERE username LIKE 'b%%') u""",
                               {"type": regular, "today": today})
                # the statuses as the dates stood yesterday (CMES: 6 and 12 months)
                cursor.execute("""
                    UPDATE memberships_membership SET status = CASE
                        WHEN valid_until >= %(y)s THEN 'active'
                        WHEN valid_until + interval '12 months' < %(y)s THEN 'lapsed'
                        WHEN valid_until + interval '6 months' < %(y)s THEN 'suspended'
                        ELSE 'overdue' END""", {"y": yesterday})
                cursor.execute("""
                    INSERT INTO memberships_membershipperiod (membership_id, kind, starts_on,
                        ends_on, years, amount_fen, created_at)
                    SELECT id, 'join', valid_from, valid_until, 1, 5000, now()
                    FROM memberships_membership""")
                cursor.execute("ANALYZE")
            built = time.perf_counter() - started
            lifecycle_run(today=yesterday)  # the windows already open: not timed
            outbox = OutboxMessage.objects.count()

            started = time.perf_counter()
            tonight = lifecycle_run(today=today)
            first = time.perf_counter() - started
            sent = OutboxMessage.objects.count() - outbox

            started = time.perf_counter()
            again = lifecycle_run(today=today)
            second = time.perf_counter() - started
            sent_again = OutboxMessage.objects.count() - outbox - sent

        print(f"membership lifecycle job, {n:,} memberships in one association")
        print(f"  built in {built:.1f} s (generate_series INSERTs)")
        moved = ", ".join(f"{k} {v:,}" for k, v in sorted(tonight.items()))
        print(f"  tonight's run   {first:.2f} s  ({moved}; {sent:,} outbox messages)"
              f"  goal < 30 s: {'yes' if first < 30 else 'NO'}")
        print(f"  the same night  {second:.2f} s  (moved and sent: "
              f"{sum(v for v in again.values()):,} / {sent_again:,})")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
