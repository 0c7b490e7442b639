"""The staff member list at scale: search and filters over up to 1,000,000 members of one
association (CMES profile).

    .venv/bin/python bench/member_search.py [--sizes 10000,100000,1000000] [--runs 40]

Builds the members with generate_series INSERTs (accounts, memberships and their directory
rows, as `directory.services.refresh_entries` would write them: names from common surnames
and given names with their pinyin and initials, phones, e-mails, credit codes for every
tenth, types, statuses, branches, interest branches, regions, titles, schools, dates), then
the counts (`rebuild_counts`) and ANALYZE. At each size it times
`directory.selectors.member_search` (everything the page asks the database: the
configuration's choices, the page of rows, the total, the counts) per query shape, `runs`
times with varying values, and prints p50 and p95 in milliseconds with the number of queries.
The goal: p95 under 100 ms at 1,000,000. The benchmark's own database is dropped after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

from _db import drop_database, setup_django

# bench/requests.py would shadow the `requests` package that the URL configuration imports.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

DB = "huiji_bench_member_search"

SURNAMES = [("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"),
            ("杨", "yang"), ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"),
            ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"), ("高", "gao"),
            ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo")]
GIVEN = [("伟", "wei", "w"), ("芳", "fang", "f"), ("娜", "na", "n"), ("敏", "min", "m"),
         ("静", "jing", "j"), ("丽", "li", "l"), ("强", "qiang", "q"), ("磊", "lei", "l"),
         ("军", "jun", "j"), ("洋", "yang", "y"), ("勇", "yong", "y"), ("艳", "yan", "y"),
         ("杰", "jie", "j"), ("娟", "juan", "j"), ("涛", "tao", "t"), ("明", "ming", "m"),
         ("超", "chao", "c"), ("秀英", "xiuying", "xy"), ("华", "hua", "h"), ("三", "san", "s"),
         ("建国", "jianguo", "jg"), ("晓明", "xiaoming", "xm"), ("海燕", "haiyan", "hy"),
         ("志强", "zhiqiang", "zq"), ("桂英", "guiying", "gy"), ("玉兰", "yulan", "yl"),
         ("建华", "jianhua", "jh"), ("文", "wen", "w"), ("斌", "bin", "b"), ("鹏", "peng", "p"),
         ("宇", "yu", "y"), ("浩", "hao", "h"), ("婷", "ting", "t"), ("雪", "xue", "x"),
         ("红梅", "hongmei", "hm"), ("凯", "kai", "k"), ("帅", "shuai", "s"),
         ("子涵", "zihan", "zh"), ("欣怡", "xinyi", "xy"), ("俊杰", "junjie", "jj")]
TITLES = ["正高级工程师", "高级工程师", "工程师", "助理工程师", "教授", "副教授", "讲师", "其他"]
SCHOOLS = ["清华大学", "上海交通大学", "哈尔滨工业大学", "华中科技大学", "西安交通大学",
           "中国第一汽车集团有限公司", "三一重工股份有限公司", "徐工集团", "浙江大学", "东南大学"]
STATUSES = ["active"] * 16 + ["overdue", "suspended", "lapsed", "withdrawn"]


def _arr(values) -> str:
    return "ARRAY[" + ",".join("'" + v + "'" for v in values) + "]"


def build(cursor, start: int, stop: int, types: dict, branches: list, provinces: list,
          today: dt.date) -> None:
    """Members start+1..stop: accounts, memberships and their directory rows."""
    params = {"a": start + 1, "b": stop, "today": today}
    cursor.execute("""
        INSERT INTO accounts_user (password, is_superuser, public_id, username, phone, email,
            name, roles, is_active, is_staff, date_joined, session_epoch)
        SELECT '!', false, gen_random_uuid(), 'b' || g, '139' || lpad(g::text, 8, '0'),
               'm' || g || '@bench.test', 'b' || g, '{member}', true, false, now(), 0
        FROM generate_series(%(a)s, %(b)s) g""", params)
    cursor.execute(f"""
        INSERT INTO memberships_membership (user_id, member_type_id, number, status,
            activated_at, valid_from, valid_until)
        SELECT u.id, ({_arr(str(t) for t in types.values())})[1 + g %% {len(types)}]::bigint,
               'B' || lpad(g::text, 9, '0'),
               ({_arr(STATUSES)})[1 + (g / 7) %% {len(STATUSES)}], now(),
               %(today)s::date - 3650 + (g::bigint * 7919 %% 3650)::int,
               %(today)s::date - 800 + (g %% 1200)::int
        FROM generate_series(%(a)s, %(b)s) g JOIN accounts_user u ON u.username = 'b' || g
        """, params)
    s_zh, s_py = _arr(s for s, _p in SURNAMES), _arr(p for _s, p in SURNAMES)
    g_zh, g_py = _arr(x for x, _p, _i in GIVEN), _arr(p for _x, p, _i in GIVEN)
    g_in = _arr(i for _x, _p, i in GIVEN)
    ns, ng, nb = len(SURNAMES), len(GIVEN), len(branches)
    cursor.execute(f"""
        INSERT INTO directory_directoryentry (membership_id, number, name, name_pinyin,
            name_initials, is_unit, phone, phones, email, emails, credit_code, member_type_id,
            rank_id, status, in_arrears, branch_id, interest_branches, region, city, title,
            school, referral, referral_branch, joined_on, valid_until, refreshed_at)
        SELECT m.id, m.number,
               ({s_zh})[1 + g %% {ns}] || ({g_zh})[1 + (g / {ns}) %% {ng}],
               ({s_py})[1 + g %% {ns}] || ({g_py})[1 + (g / {ns}) %% {ng}],
               left(({s_py})[1 + g %% {ns}], 1) || ({g_in})[1 + (g / {ns}) %% {ng}],
               false, '139' || lpad(g::text, 8, '0'),
               ARRAY['139' || lpad(g::text, 8, '0')]::varchar[],
               'm' || g || '@bench.test', ARRAY['m' || g || '@bench.test']::varchar[],
               CASE WHEN g %% 10 = 0 THEN '91' || lpad(g::text, 16, '0') ELSE '' END,
               m.member_type_id, NULL, m.status, m.status IN ('overdue', 'suspended'),
               CASE WHEN g %% 7 = 0 THEN NULL ELSE
                 ({_arr(str(b) for b, _c in branches)})[1 + g %% {nb}]::bigint END,
               ARRAY[({_arr(c for _b, c in branches)})[1 + (g / 3) %% {nb}]]::varchar[],
               ({_arr(provinces)})[1 + (g / 11) %% {len(provinces)}], '',
               ({_arr(TITLES)})[1 + (g / 5) %% {len(TITLES)}],
               ({_arr(SCHOOLS)})[1 + (g / 13) %% {len(SCHOOLS)}], '', '',
               m.valid_from, m.valid_until, now()
        FROM generate_series(%(a)s, %(b)s) g
        JOIN memberships_membership m ON m.number = 'B' || lpad(g::text, 9, '0')
        """, params)


def measure(label: str, call, runs: int) -> tuple[str, float, float, float, int]:
    """p50 and p95 of the whole call, p95 of its own SQL (the queries of the directory's
    tables: the page, the total, the counts; not the configuration's), and its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call(0)  # warm
    connection.queries_log.clear()  # it keeps the last 9,000 only
    times, sql = [], []
    queries = 0
    for i in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            call(i + 1)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
        sql.append(sum(float(q["time"]) * 1000 for q in ctx.captured_queries
                       if "directory_directory" in q["sql"]))
    times.sort()
    sql.sort()
    at = max(0, round(0.95 * len(times)) - 1)
    return label, statistics.median(times), times[at], sql[at], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a --keep run left (no building)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.reuse:
        import os

        import django

        os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[0] \
            + "/" + DB
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.test")
        django.setup()
    else:
        setup_django(DB)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.fieldtypes import regions
    from tenant_apps.configuration.models import Branch, MemberType
    from tenant_apps.directory.selectors import counts_for, member_search
    from tenant_apps.directory.services import rebuild_counts
    from tenants.services import association_create, platform_ensure_public

    try:
        if not args.reuse:
            call_command("migrate_schemas", interactive=False, verbosity=0)
            platform_ensure_public()
            association_create(acting_user=None, name="基准学会", slug="bench",
                               profile="cmes", admin_name="Admin", admin_email="a@bench.test",
                               admin_password="Bench-passw0rd-2026")
        today = timezone.localdate()
        rng = random.Random(11)
        with schema_context("bench"):
            hq = User.objects.get(email="a@bench.test")
            robot_admin = User.objects.filter(username="ba-robot").first() or user_create(
                acting_user=None, name="机器人分会管理员", username="ba-robot",
                roles=[Role.BRANCH_ADMIN])
            Branch.objects.get(code="robot").admins.add(robot_admin)
            types = {t.code: t.pk for t in MemberType.objects.all()}
            branches = [(b.pk, b.code) for b in Branch.objects.exclude(kind="hq")]
            provinces = list(regions())
            from tenant_apps.directory.models import DirectoryEntry

            built = DirectoryEntry.objects.count() if args.reuse else 0
            for size in sizes:
                if args.reuse and size != built:
                    continue
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    for start in range(built, size, 100_000):
                        build(cursor, start, min(start + 100_000, size), types, branches,
                              provinces, today)
                    rebuild_counts()
                    cursor.execute("VACUUM ANALYZE directory_directoryentry")
                    cursor.execute("ANALYZE")
                took = time.perf_counter() - started
                built = size
                print(f"\n{size:,} members in one association (built +{took:.0f} s)")
                print(f"  {'query shape':<40}{'p50 ms':>8}{'p95 ms':>8}{'SQL p95':>9}"
                      f"{'queries':>9}")

                def search(params, user=hq):
                    return lambda i: member_search(user, params(i) if callable(params)
                                                   else params)

                soon = today + dt.timedelta(days=30)
                shapes = [
                    ("name prefix 张", search({"q": "张"})),
                    ("two-character name 王伟", search({"q": "王伟"})),
                    ("pinyin zhangsan", search({"q": "zhangsan"})),
                    ("initials zs", search({"q": "zs"})),
                    ("phone (11 digits)", search(lambda i, size=size: {
                        "q": f"139{rng.randint(1, size):08d}"})),
                    ("member number", search(lambda i, size=size: {
                        "q": f"B{rng.randint(1, size):09d}"})),
                    ("credit code", search(lambda i, size=size: {
                        "q": f"91{rng.randint(1, size // 10) * 10:016d}"})),
                    ("type + status, by number", search({"type": "regular",
                                                         "status": "active"})),
                    ("type + status, by name", search({"type": "regular", "status": "active",
                                                       "sort": "name"})),
                    ("branch 机器人分会", search({"branch": "robot"})),
                    ("valid until in the next 30 days", search({
                        "valid_from": today.isoformat(), "valid_to": soon.isoformat(),
                        "sort": "valid_until"})),
                    ("in arrears", search({"arrears": "1"})),
                    ("school 清华 + title 教授", search({"school": "清华", "title": "教授"})),
                    ("page 100 of all", search({"page": "100"})),
                    ("branch admin: own list", search({}, robot_admin)),
                    ("branch admin: search zs", search({"q": "zs"}, robot_admin)),
                    ("counts (HQ)", lambda i: counts_for(hq)),
                ]
                for label, call in shapes:
                    name, p50, p95, own, queries = measure(label, call, args.runs)
                    flag = "" if p95 < 100 else "  over 100 ms"
                    print(f"  {name:<40}{p50:>8.1f}{p95:>8.1f}{own:>9.1f}{queries:>9}{flag}")
    finally:
        if not (args.keep or args.reuse):
            drop_database(DB)


if __name__ == "__main__":
    main()
