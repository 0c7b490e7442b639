"""The staff member page's tabs at scale: one association with many members, each with its
orders, messages and audit rows, so the tables the tabs read are large.

    .venv/bin/python bench/member_page.py [--members 100000] [--samples 40]

Builds the members with generate_series INSERTs (accounts, memberships, records in a branch,
2 orders, 3 outbox messages and 6 audit rows each: about 8 audit rows per member with the
platform's own), then opens each tab of the page (the record, applications, orders,
messages, the timeline) for `samples` members chosen at random, as an HQ administrator and as
the branch's administrator, through Django's test client (the whole request: middleware,
view, queries, template). Prints p50/p95 per tab and the queries per request; the tab's
query count does not depend on the member (asserted in records/tests/test_member_page.py).
The benchmark's own database is dropped after.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from _db import drop_database, setup_django

# bench/requests.py would shadow the requests library the test client's imports need
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

DB = "huiji_bench_member_page"
TABS = ("record", "applications", "orders", "messages", "timeline")


def _build(n: int) -> None:
    from django.db import connection

    from tenant_apps.configuration.models import Branch, MemberType

    senior = MemberType.objects.get(code="senior").pk
    robot = Branch.objects.get(code="robot").pk
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO accounts_user (password, is_superuser, public_id, username, phone,
                name, roles, is_active, is_staff, date_joined, session_epoch)
            SELECT '!', false, gen_random_uuid(), 'b' || g, '139' || lpad(g::text, 8, '0'),
                   '会员' || g, '{member}', true, false, now(), 0
            FROM generate_series(1, %(n)s) g""", {"n": n})
        cursor.execute("""
            INSERT INTO memberships_membership (user_id, member_type_id, number, status,
                activated_at, valid_from, valid_until)
            SELECT id, %(type)s, 'B' || lpad(id::text, 9, '0'), 'active', now(),
                   DATE '2025-01-01', DATE '2030-12-31'
            FROM accounts_user WHERE username LIKE 'b%%'""", {"type": senior})
        cursor.execute("""
            INSERT INTO records_memberrecord (membership_id, branch_id, values, created_at,
                updated_at)
            SELECT m.id, %(branch)s, jsonb_build_object('name', u.name, 'mobile', u.phone,
                   'id_number', '11010519491231002X'), now(), now()
            FROM memberships_membership m JOIN accounts_user u ON u.id = m.user_id""",
                       {"branch": robot})
        cursor.execute("""
            INSERT INTO billing_order (number, transfer_reference, kind, payer_id,
                membership_id, member_type_id, years, unit_amount_fen, amount_fen, status,
                method, created_at, expires_at, paid_at, confirmed_at)
            SELECT 'B' || m.id || '-' || k, 'R' || m.id || '-' || k, 'renewal', m.user_id,
                   m.id, m.member_type_id, 1, 10000, 10000, 'confirmed', 'cash',
                   now() - (k || ' days')::interval, now(), now(), now()
            FROM memberships_membership m, generate_series(1, 2) k""")
        cursor.execute("""
            INSERT INTO notifications_outboxmessage (event, channel, recipient_id, address,
                subject, body, provider_template, params, status, attempts, next_attempt_at,
                last_error, created_at, sent_at)
            SELECT 'renewal_due', 'sms', m.user_id, '13900000000', '', '提醒' || k, '',
                   '{}', 'sent', 1, now(), '', now() - (k || ' days')::interval, now()
            FROM memberships_membership m, generate_series(1, 3) k""")
        cursor.execute("""
            INSERT INTO audit_auditentry (created_at, actor_label, action, target_type,
                target_id, reason, data)
            SELECT now() - (k || ' hours')::interval, 'system', 'membership.renewed',
                   'Membership', m.id::text, '', jsonb_build_object('valid_until',
                   '2030-12-31')
            FROM memberships_membership m, generate_series(1, 3) k
            UNION ALL
            SELECT now() - (k || ' hours')::interval, 'system', 'order.confirmed', 'Order',
                   o.id::text, '', jsonb_build_object('number', o.number, 'amount_fen',
                   o.amount_fen, 'method', 'cash')
            FROM billing_order o, generate_series(1, 1) k
            UNION ALL
            SELECT now(), 'system', 'account.created', 'User', u.id::text, '', '{}'
            FROM accounts_user u""")
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from huiji.audit.models import AuditEntry
    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import Branch
    from tenant_apps.memberships.models import Membership
    from tenants.services import association_create, platform_ensure_public

    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        association_create(acting_user=None, name="基准学会", slug="bench", profile="cmes",
                           admin_name="Admin", admin_email="a@bench.test",
                           admin_password="Bench-passw0rd-2026")
        with schema_context("bench"):
            started = time.perf_counter()
            _build(args.members)
            built = time.perf_counter() - started
            hq = User.objects.get(email="a@bench.test")
            branch = user_create(acting_user=None, name="分会", username="bench-ba",
                                 password="Bench-passw0rd-2026", roles=[Role.BRANCH_ADMIN])
            Branch.objects.get(code="robot").admins.add(branch)
            numbers = list(Membership.objects.values_list("number", flat=True)
                           .order_by("?")[:args.samples])
            audits = AuditEntry.objects.count()
        print(f"member page, {args.members:,} members in one association "
              f"({audits:,} audit rows); built in {built:.1f} s")
        for who, user in (("HQ administrator", hq), ("branch administrator", branch)):
            client = Client(HTTP_HOST="bench.localhost")
            with schema_context("bench"):
                client.force_login(user,
                                   backend="tenant_apps.accounts.backends.IdentifierBackend")
            connection.set_schema_to_public()
            client.get(f"/manage/members/{numbers[0]}/")  # warm up
            print(f"  as {who}:")
            for tab in TABS:
                times, queries = [], set()
                for number in random.sample(numbers, len(numbers)):
                    path = f"/manage/members/{number}/" + (f"?show={tab}" if tab != "record"
                                                           else "")
                    with CaptureQueriesContext(connection) as ctx:
                        started = time.perf_counter()
                        response = client.get(path)
                        times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                    queries.add(len(ctx.captured_queries))
                times.sort()
                p95 = times[max(0, int(len(times) * 0.95) - 1)]
                print(f"    {tab:<13} p50 {statistics.median(times):6.1f} ms   "
                      f"p95 {p95:6.1f} ms   queries {sorted(queries)}")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
