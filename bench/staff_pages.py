"""The staff pages that must hold at 1,000,000 members in one association.

    .venv/bin/python bench/staff_pages.py [--sizes 10000,100000,1000000] [--runs 30]

Builds one CMES association with generate_series INSERTs, growing it to each size in turn:
per member an account, a membership, its completed joining application and its confirmed
joining order (spread over three years, by WeChat Pay, Alipay or bank transfer); and one in
a hundred more accounts with an application in review (most at an HQ review step, one in
thirteen routed to a branch, 机器人分会, as a branch-routed chain puts them); one in a hundred
members with a member record and an approved change request, and one in a thousand with a
change request in review (a change of details at an HQ review step; one in thirteen a request
to join 机器人分会, its administrators' step). The revenue
summary is rebuilt from the orders (`revenue_rebuild`, timed). Then, at each size, each page
is requested `--runs` times through Django's test client (after two unmeasured requests) and
its p50/p95 and query count printed:

- `/review/` and `GET /api/v1/review/` for the HQ administrator, `/review/` for the branch
  administrator of 机器人分会;
- `/review/changes/` (the change-request queue) for both, and its second page;
- `/finance/orders/` newest first, and searched by order number, by payer phone and by the
  start of a payer's name; `/finance/revenue/`;
- a login (`authenticate`) by phone and by member number (lower case), with the test
  settings' fast password hasher: the lookup is what grows with members (production's argon2
  adds a constant).

`BENCH_PROFILE=<part of a label>` prints a profile of one request of the pages so named,
`BENCH_SQL=<part of a label>` each of its queries with its time.
The goal for each: p95 under 100 ms, the same query count at every size. The benchmark's own
database is dropped after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _db import drop_database, setup_django, setup_django_again

# bench/requests.py would shadow the requests library (DRF's test module imports it)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

DB = os.environ.get("BENCH_DB", "huiji_bench_staff_pages")  # another name: side by side
HOST = "bench.localhost"


def _top(cursor, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    return cursor.fetchone()[0]


def build(cursor, start: int, end: int, *, regular: int, revision: int, branches: list[int],
          robot: int, today) -> None:
    """Members start+1..end and their in-review applicants (one in a hundred)."""
    p = {"s": start, "e": end, "type": regular, "rev": revision, "branches": branches,
         "robot": robot, "today": today}
    p["u"] = _top(cursor, "accounts_user")
    cursor.execute("""
        INSERT INTO accounts_user (password, is_superuser, public_id, username, phone, name,
            roles, is_active, is_staff, date_joined, session_epoch)
        SELECT '!', false, gen_random_uuid(), 'm' || g, '139' || lpad(g::text, 8, '0'),
               (ARRAY['王','李','张','刘','陈','杨','赵','黄'])[g %% 8 + 1] || '某' || g,
               '{member}', true, false, now(), 0
        FROM generate_series(%(s)s + 1, %(e)s) g""", p)
    p["m"] = _top(cursor, "memberships_membership")
    cursor.execute("""
        INSERT INTO memberships_membership (user_id, member_type_id, number, status,
            activated_at, valid_from, valid_until)
        SELECT u.id, %(type)s, 'M' || lpad(substr(u.username, 2), 9, '0'), 'active', now(),
               %(today)s::date - 200, %(today)s::date + 165
        FROM accounts_user u WHERE u.id > %(u)s""", p)
    p["a"] = _top(cursor, "applications_application")
    cursor.execute("""
        INSERT INTO applications_application (public_id, applicant_id, purpose, change_reason,
            member_type_id, branch_id, revision_id, answers, years, status, wizard_step,
            review_position, last_reason, referrer_name, referrer_number, submitted_at,
            completed_at, paid_at, membership_id, created_at, updated_at, review_role)
        SELECT gen_random_uuid(), m.user_id, 'join', '', m.member_type_id,
               (%(branches)s::int[])[m.id %% cardinality(%(branches)s::int[]) + 1], %(rev)s,
               '{}', 1, 'completed', '', NULL, '', '', '', t, t + interval '2 days',
               t + interval '1 day', m.id, t - interval '1 day', t + interval '2 days', ''
        FROM (SELECT m.*, now() - (m.id %% 1095) * interval '1 day'
                          - (m.id %% 86400) * interval '1 second' AS t
              FROM memberships_membership m WHERE m.id > %(m)s) m""", p)
    cursor.execute("""
        INSERT INTO billing_order (number, transfer_reference, kind, payer_id, application_id,
            membership_id, member_type_id, years, unit_amount_fen, amount_fen, status, method,
            created_at, expires_at, paid_at, confirmed_at)
        SELECT 'O' || lpad(a.id::text, 12, '0'), 'R' || a.id, 'join', a.applicant_id, a.id,
               a.membership_id, a.member_type_id, 1, 5000, 5000, 'confirmed',
               (ARRAY['wechat','alipay','bank'])[a.id %% 3 + 1], a.submitted_at,
               a.submitted_at + interval '7 days', a.paid_at, a.paid_at
        FROM applications_application a WHERE a.id > %(a)s""", p)
    # the applicants waiting in review: one in a hundred members' worth
    p["u"] = _top(cursor, "accounts_user")
    cursor.execute("""
        INSERT INTO accounts_user (password, is_superuser, public_id, username, phone, name,
            roles, is_active, is_staff, date_joined, session_epoch)
        SELECT '!', false, gen_random_uuid(), 'a' || g, '137' || lpad(g::text, 8, '0'),
               '申请人' || g, '{}', true, false, now(), 0
        FROM generate_series(%(s)s / 100 + 1, %(e)s / 100) g""", p)
    cursor.execute("""
        INSERT INTO applications_application (public_id, applicant_id, purpose, change_reason,
            member_type_id, branch_id, revision_id, answers, years, status, wizard_step,
            review_position, last_reason, referrer_name, referrer_number, submitted_at,
            created_at, updated_at, review_role, review_branch_id)
        SELECT gen_random_uuid(), u.id, 'join', '', %(type)s,
               CASE WHEN u.id %% 13 = 0 THEN %(robot)s END, %(rev)s, '{}', 1, 'in_review', '',
               0, '', '', '', now() - (u.id %% 40000) * interval '1 minute', now(), now(),
               CASE WHEN u.id %% 13 = 0 THEN 'branch_admin' ELSE 'hq_reviewer' END,
               CASE WHEN u.id %% 13 = 0 THEN %(robot)s END
        FROM accounts_user u WHERE u.id > %(u)s""", p)
    # member records for one in a hundred members, each with an approved change of details;
    # one in a thousand also has a request in review
    cursor.execute("""
        INSERT INTO records_memberrecord (membership_id, branch_id, values, created_at,
            updated_at)
        SELECT m.id, NULL, '{}', now(), now() FROM memberships_membership m
        WHERE m.id > %(m)s AND m.id %% 100 = 0""", p)
    cursor.execute("""
        INSERT INTO records_changerequest (public_id, record_id, kind, changes, branch_id, note,
            steps, position, status, decisions, reason, requested_by_id, created_at,
            decided_at, review_role, review_branch_id)
        SELECT gen_random_uuid(), r.id, 'info', '{"name": {"old": "旧名", "new": "新名"}}',
               NULL, '', '[{"name": "资料变更审核", "role": "hq_reviewer",
                            "branch_routed": false}]', 0, 'approved', '[]', '', m.user_id,
               now() - (m.id %% 1000) * interval '1 day', now(), '', NULL
        FROM records_memberrecord r JOIN memberships_membership m ON m.id = r.membership_id
        WHERE m.id > %(m)s""", p)
    cursor.execute("""
        INSERT INTO records_changerequest (public_id, record_id, kind, changes, branch_id, note,
            steps, position, status, decisions, reason, requested_by_id, created_at,
            decided_at, review_role, review_branch_id)
        SELECT gen_random_uuid(), r.id, k.kind, k.changes::jsonb,
               CASE WHEN k.kind = 'branch' THEN %(robot)s END, '', k.steps::jsonb, 0,
               'in_review', '[]', '', m.user_id,
               now() - (m.id %% 40000) * interval '1 minute', NULL, k.role,
               CASE WHEN k.kind = 'branch' THEN %(robot)s END
        FROM records_memberrecord r JOIN memberships_membership m ON m.id = r.membership_id
        CROSS JOIN LATERAL (SELECT * FROM (VALUES
            ('info', '{"name": {"old": "旧名", "new": "新名"}}',
             '[{"name": "资料变更审核", "role": "hq_reviewer", "branch_routed": false}]',
             'hq_reviewer'),
            ('branch', '{"branch": {"old": null, "new": "robot"}}',
             '[{"name": "分会审核", "role": "branch_admin", "branch_routed": true}]',
             'branch_admin')) v(kind, changes, steps, role)
            WHERE v.kind = CASE WHEN m.id %% 13000 = 0 THEN 'branch' ELSE 'info' END) k
        WHERE m.id > %(m)s AND m.id %% 1000 = 0""", p)
    cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves the tables after a while


def measure(call, runs: int) -> dict:
    """p50 and p95 of `runs` calls (after two unmeasured ones), the database's share of them
    (time inside the queries: what grows with rows; the rest is Python and the CPU other
    work leaves it), and the queries of one call."""
    from django.db import connection

    for _ in range(2):
        call()
    queries = []
    spent = [0.0]

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    with connection.execute_wrapper(counted):
        call()
    times, db = [], []
    with connection.execute_wrapper(timed):
        for _ in range(runs):
            spent[0] = 0.0
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
            db.append(spent[0] * 1000)

    def p95(values):
        return sorted(values)[min(len(values) - 1, round(0.95 * len(values)) - 1)]

    return {"p50": statistics.median(times), "p95": p95(times),
            "db50": statistics.median(db), "db95": p95(db), "queries": len(queries)}


def line(label: str, m: dict) -> str:
    return (f"  {label:40} p50 {m['p50']:6.1f} ms  p95 {m['p95']:6.1f} ms   database p50 "
            f"{m['db50']:5.1f} ms  p95 {m['db95']:5.1f} ms  {m['queries']:3} queries"
            f"{'' if m['p95'] < 100 else '  (over 100 ms)'}")


def show_sql(call) -> None:
    """Each query of one request with its time (BENCH_SQL)."""
    from django.db import connection

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            print(f"    {(time.perf_counter() - started) * 1000:6.1f} ms  {sql[:300]}")

    with connection.execute_wrapper(timed):
        call()


def build_association(call_command, association_create, platform_ensure_public, User):
    """The association, its HQ administrator, 机器人分会's administrator and a reviewer."""
    from django_tenants.utils import schema_context

    from tenant_apps.configuration.models import Branch

    call_command("migrate_schemas", interactive=False, verbosity=0)
    platform_ensure_public()
    made = association_create(acting_user=None, name="基准学会", slug="bench",
                              profile="cmes", admin_name="总会管理员",
                              admin_email="a@bench.test", admin_password="Bench-passw0rd-2026")
    with schema_context("bench"):
        branch_admin = User.objects.create_user(
            username="robot-admin", phone="13600000001", name="机器人分会管理员",
            roles=["branch_admin"], password="Bench-passw0rd-2026")
        Branch.objects.get(code="robot").admins.add(branch_admin)
        User.objects.create_user(username="reviewer", phone="13600000002", name="审核员",
                                 roles=["reviewer"], password="Bench-passw0rd-2026")
    return made.admin, branch_admin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN)")
    parser.add_argument("--again", action="store_true",
                        help="measure the database a --keep run left, at its size, unbuilt")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.again:
        setup_django_again(DB)
    else:
        setup_django(DB)
    from django.contrib.auth import authenticate
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.selectors import account_for_identifier
    from tenant_apps.billing.services import revenue_rebuild
    from tenant_apps.configuration.models import Branch, ConfigurationRevision, MemberType
    from tenants.services import association_create, platform_ensure_public

    try:
        if args.again:
            with schema_context("bench"):
                hq = User.objects.get(email="a@bench.test")
                branch_admin = User.objects.get(username="robot-admin")
                sizes = [User.objects.filter(username__startswith="m").count()]
            args.keep = True
        else:
            hq, branch_admin = build_association(call_command, association_create,
                                                 platform_ensure_public, User)
        today = timezone.localdate()
        with schema_context("bench"):
            regular = MemberType.objects.get(code="regular").pk
            revision = ConfigurationRevision.objects.order_by("-number").first().pk
            branches = list(Branch.objects.values_list("pk", flat=True))
            robot = Branch.objects.get(code="robot")
        clients = {}
        for who, user in (("hq", hq), ("branch", branch_admin)):
            clients[who] = Client(HTTP_HOST=HOST)
            with schema_context("bench"):
                clients[who].force_login(
                    user, backend="tenant_apps.accounts.backends.IdentifierBackend")

        done = 0
        print(f"staff pages, one CMES association (p50 / p95 of {args.runs} requests, the "
              f"time inside the database, queries per request)")

        for size in sizes:
            with schema_context("bench"):
                started = time.perf_counter()
                if not args.again:
                    with connection.cursor() as cursor:
                        build(cursor, done, size, regular=regular, revision=revision,
                              branches=branches, robot=robot.pk, today=today)
                built = time.perf_counter() - started
                started = time.perf_counter()
                revenue_rebuild()
                rebuilt = time.perf_counter() - started
                member = User.objects.get(username=f"m{size // 2}")
                member.set_password("Bench-passw0rd-2026")
                member.save(update_fields=["password"])
                number = member.membership.number
                in_review = connection.cursor()
                in_review.execute("SELECT count(*) FROM applications_application "
                                  "WHERE status = 'in_review'")
                waiting = in_review.fetchone()[0]
                in_review.execute("SELECT count(*) FILTER (WHERE status = 'in_review'), "
                                  "count(*) FROM records_changerequest")
                changes, requests = in_review.fetchone()
            done = size
            print(f"\n{size:,} members ({waiting:,} applications in review, {changes:,} of "
                  f"{requests:,} change requests in review): built in "
                  f"{built:.0f} s, revenue summary rebuilt in {rebuilt:.2f} s; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            sample, phone, name = f"O{size // 3:012d}", member.phone, member.name[:5]
            pages = [
                ("/review/ (HQ administrator)", lambda: clients["hq"].get("/review/")),
                ("/review/?page=3 (HQ administrator)",
                 lambda: clients["hq"].get("/review/?page=3")),
                ("/review/ (branch administrator)",
                 lambda: clients["branch"].get("/review/")),
                ("/review/changes/ (HQ administrator)",
                 lambda: clients["hq"].get("/review/changes/")),
                ("/review/changes/?page=2 (HQ admin)",
                 lambda: clients["hq"].get("/review/changes/?page=2")),
                ("/review/changes/ (branch administrator)",
                 lambda: clients["branch"].get("/review/changes/")),
                ("GET /api/v1/review/ (HQ administrator)",
                 lambda: clients["hq"].get("/api/v1/review/")),
                ("/finance/orders/", lambda: clients["hq"].get("/finance/orders/")),
                ("/finance/orders/?status=confirmed",
                 lambda: clients["hq"].get("/finance/orders/?status=confirmed")),
                ("/finance/orders/?q=<order number>",
                 lambda q=sample: clients["hq"].get(f"/finance/orders/?q={q}")),
                ("/finance/orders/?q=<payer phone>",
                 lambda q=phone: clients["hq"].get(f"/finance/orders/?q={q}")),
                ("/finance/orders/?q=<start of a name>",
                 lambda q=name: clients["hq"].get(f"/finance/orders/?q={q}")),
                ("/finance/orders/?q=张 (common surname)",
                 lambda: clients["hq"].get("/finance/orders/?q=张")),
                ("/finance/revenue/", lambda: clients["hq"].get("/finance/revenue/")),
            ]
            for label, call in pages:
                response = call()
                assert response.status_code == 200, (label, response.status_code)
                if os.environ.get("BENCH_SQL") and os.environ["BENCH_SQL"] in label:
                    show_sql(call)
                if os.environ.get("BENCH_PROFILE") and os.environ["BENCH_PROFILE"] in label:
                    import cProfile

                    cProfile.runctx("call()", globals(), {"call": call}, sort="cumtime")
                print(line(label, measure(call, args.runs)))
            with schema_context("bench"):
                for label, identifier in (("login by phone", member.phone),
                                          ("login by member number", number.lower())):
                    def call(identifier=identifier):
                        assert authenticate(None, username=identifier,
                                            password="Bench-passw0rd-2026") is not None
                    print(line(label, measure(call, args.runs)))

                    def find(identifier=identifier):
                        assert account_for_identifier(identifier) is not None
                    print(line("  of which finding the account", measure(find, args.runs)))
    finally:
        if not args.keep:
            drop_database(DB)


if __name__ == "__main__":
    main()
