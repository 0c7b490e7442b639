"""Exporting members to Excel, and refreshing the dashboard's summary rows, at scale.

    .venv/bin/python bench/member_export.py [--members 100000]

Builds the members of one CMES association with generate_series INSERTs (accounts,
memberships, records with a dozen answers each, half of them in 机器人分会; a period, a
completed joining application and a confirmed order each, for the dashboard),
fills the member directory's rows, then
times: an HQ export of every member with 12 columns (the membership's and the record's),
written streamed by the real task body (`bulk.services.bulk_run`); the robot branch
administrator's export (half of them); and the dashboard's refresh (`dashboard_refresh`).
Prints the times, the rows per second, the file's size and the process's peak memory
(goal: 100,000 members in under 30 s, not held in memory). The benchmark's own database is
dropped after.
"""

from __future__ import annotations

import argparse
import resource
import time

from _db import drop_database, setup_django

DB = "huiji_bench_export"
COLUMNS = ["number", "name", "type", "status", "branch", "joined", "valid_until", "phone",
           "field:gender", "field:employer", "field:title", "field:region"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--dashboard-only", action="store_true",
                        help="time the dashboard's refresh only (e.g. at 1,000,000)")
    args = parser.parse_args()
    setup_django(DB)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role, User
    from tenant_apps.bulk.models import BulkJob
    from tenant_apps.bulk.services import bulk_run
    from tenant_apps.configuration.models import Branch, MemberType
    from tenant_apps.dashboards.services import dashboard_refresh
    from tenant_apps.directory.services import refresh_all
    from tenants.services import association_create, platform_ensure_public

    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        association_create(acting_user=None, name="基准学会", slug="bench", profile="cmes",
                           admin_name="Admin", admin_email="a@bench.test",
                           admin_password="Bench-passw0rd-2026")
        n = args.members
        today = timezone.localdate()
        with schema_context("bench"):
            regular = MemberType.objects.get(code="regular").pk
            robot = Branch.objects.get(code="robot").pk
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("""
                    INSERT INTO accounts_user (password, is_superuser, public_id, username,
                        phone, email, name, roles, is_active, is_staff, date_joined,
                        session_epoch)
                    SELECT '!', false, gen_random_uuid(), 'b' || g,
                           '139' || lpad(g::text, 8, '0'), 'm' || g || '@bench.test',
                           '会员' || g, '{member}', true, false, now(), 0
                    FROM generate_series(1, %(n)s) g""", {"n": n})
                cursor.execute("""
                    INSERT INTO memberships_membership (user_id, member_type_id, number, status,
                        activated_at, valid_from, valid_until)
                    SELECT id, %(type)s, 'B' || lpad(id::text, 9, '0'),
                           (ARRAY['active','active','active','overdue','suspended','lapsed'])
                               [1 + id %% 6],
                           now(), %(today)s::date - (id %% 1500)::int,
                           %(today)s::date - (id %% 1500)::int + 365 + (id %% 400)::int
                    FROM accounts_user WHERE username LIKE 'b%%'""",
                               {"type": regular, "today": today})
                cursor.execute("""
                    INSERT INTO records_memberrecord (membership_id, branch_id, values,
                        created_at, updated_at)
                    SELECT m.id, CASE WHEN m.id %% 2 = 0 THEN %(robot)s END,
                           jsonb_build_object(
                               'name', u.name, 'gender', CASE WHEN m.id %% 2 = 0
                                   THEN '男' ELSE '女' END,
                               'mobile', u.phone, 'email', u.email,
                               'employer', '某某机械制造有限公司' || (m.id %% 1000),
                               'department', '研发部', 'title', '高级工程师',
                               'address', '北京市海淀区某路' || m.id || '号',
                               'postcode', '100081',
                               'region', jsonb_build_object('province', '110000',
                                                            'city', '110100'),
                               'work_experience', '2010-2020 某某公司 工程师'),
                           now(), now()
                    FROM memberships_membership m JOIN accounts_user u ON u.id = m.user_id""",
                               {"robot": robot})
                cursor.execute("""
                    INSERT INTO memberships_membershipperiod (membership_id, kind, starts_on,
                        ends_on, years, amount_fen, created_at)
                    SELECT id, 'join', valid_from, valid_until, 1, 5000, now()
                    FROM memberships_membership""")
                # each member's joining application (completed, paid) and its order,
                # confirmed, by WeChat Pay or bank transfer
                cursor.execute("""
                    INSERT INTO applications_application (public_id, referrer_name,
                        referrer_number, answers, years, status, wizard_step, last_reason,
                        created_at, updated_at, applicant_id, member_type_id, revision_id,
                        change_reason, purpose, branch_id, membership_id, submitted_at,
                        paid_at, completed_at)
                    SELECT gen_random_uuid(), '', '', '{}', 1, 'completed', '', '',
                           m.activated_at, m.activated_at, m.user_id, m.member_type_id,
                           (SELECT max(id) FROM configuration_configurationrevision), '',
                           'join', r.branch_id, m.id, m.activated_at, m.activated_at,
                           m.activated_at
                    FROM memberships_membership m
                    JOIN records_memberrecord r ON r.membership_id = m.id""")
                cursor.execute("""
                    INSERT INTO billing_order (number, transfer_reference, kind, years,
                        unit_amount_fen, amount_fen, status, method, created_at, expires_at,
                        confirmed_at, paid_at, member_type_id, payer_id, membership_id,
                        application_id)
                    SELECT 'O' || a.id, 'T' || a.id, 'join', 1, 30000, 30000, 'confirmed',
                           CASE WHEN a.id %% 3 = 0 THEN 'bank' ELSE 'wechat' END,
                           now() - (a.id %% 700) * interval '1 day',
                           now() + interval '7 days',
                           now() - (a.id %% 700) * interval '1 day',
                           now() - (a.id %% 700) * interval '1 day', a.member_type_id,
                           a.applicant_id, a.membership_id, a.id
                    FROM applications_application a""", {})
                cursor.execute("ANALYZE")
            refresh_all(record=False)
            built = time.perf_counter() - started

            admin = User.objects.get(email="a@bench.test")
            branch_admin = User.objects.create(username="robot-admin", name="分会管理员",
                                               roles=[Role.BRANCH_ADMIN])
            Branch.objects.get(pk=robot).admins.add(branch_admin)
            print(f"member export and dashboard, {n:,} members in one association")
            print(f"  built in {built:.1f} s (generate_series INSERTs, directory rows)")
            for who, label in () if args.dashboard_only else (
                    (admin, "HQ, every member"), (branch_admin, "robot branch")):
                job = BulkJob.objects.create(kind="export", requested_by=who, params={},
                                             options={"columns": COLUMNS})
                before = peak_mb()
                started = time.perf_counter()
                status = bulk_run(job.pk)
                took = time.perf_counter() - started
                job.refresh_from_db()
                print(f"  export {label:17s} {job.done:>9,} rows x {len(COLUMNS)} columns "
                      f"in {took:6.2f} s = {job.done / took:>8,.0f} rows/s, "
                      f"file {job.file.size / 1e6:.1f} MB, {status}; "
                      f"peak memory {before:.0f} -> {peak_mb():.0f} MB"
                      + (f"  goal < 30 s: {'yes' if took < 30 else 'NO'}"
                         if who is admin else ""))
            started = time.perf_counter()
            rows = dashboard_refresh(today=today)
            print(f"  dashboard refresh          {time.perf_counter() - started:6.2f} s "
                  f"({rows} summary rows)")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
