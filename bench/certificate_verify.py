"""The public verification page (证书查询, /verify/<code>/) at scale: one association with N
certificates (and as many memberships and accounts), opened by the QR code's address, by the
short code typed and by certificate number and name, through Django's test client (the whole
request: tenant resolution, middleware, view, query, template), without login.

    .venv/bin/python bench/certificate_verify.py [--certificates 100000] [--samples 200]

Builds the rows with generate_series INSERTs (accounts, memberships, one issued electronic
certificate each with its snapshot; every tenth superseded by a newer one), then times
`samples` lookups of each kind at random, plus unknown codes, and prints p50/p95 in
milliseconds with the queries per request (asserted in certificates/tests). The goal: p95
under 50 ms. The rate limit is lifted for the run. The benchmark's own database is dropped
after.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

from _db import drop_database, setup_django

# bench/requests.py would shadow the requests library the test client's imports need
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

DB = "huiji_bench_certificate_verify"


def _build(n: int) -> None:
    from django.db import connection

    from tenant_apps.configuration.models import MemberType

    regular = MemberType.objects.get(code="regular").pk
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO accounts_user (password, is_superuser, public_id, username, phone,
                name, roles, is_active, is_staff, date_joined, session_epoch)
            SELECT '!', false, gen_random_uuid(), 'v' || g, '139' || lpad(g::text, 8, '0'),
                   '会员' || g, '{member}', true, false, now(), 0
            FROM generate_series(1, %(n)s) g""", {"n": n})
        cursor.execute("""
            INSERT INTO memberships_membership (user_id, member_type_id, number, status,
                activated_at, valid_from, valid_until)
            SELECT id, %(type)s, 'E' || lpad(id::text, 9, '0') || 'M',
                   (ARRAY['active','active','active','active','active','active','overdue',
                          'suspended','lapsed','withdrawn'])[1 + id %% 10], now(),
                   DATE '2025-01-01', DATE '2030-12-31'
            FROM accounts_user WHERE username LIKE 'v%%'""", {"type": regular})
        # the QR code's 43 characters and the 12-character short code, random per row
        cursor.execute("""
            INSERT INTO certificates_certificate (membership_id, kind, number, code,
                short_code, shown, fingerprint, status, issued_at, reason, paper_state,
                tracking_number)
            SELECT m.id, 'electronic', 'BENCH-2026-' || lpad(m.id::text, 6, '0'),
                   left(translate(encode(decode(md5(random()::text) || md5(random()::text),
                                                'hex'), 'base64'), '+/=', '-_'), 43),
                   upper(left(md5(random()::text), 12)),
                   jsonb_build_object('name', u.name, 'number', m.number,
                       'member_type', '普通会员', 'rank', '', 'joined', '2025-01-01',
                       'valid_until', '2030-12-31', 'unit', false, 'credit_code', '',
                       'photo', '', 'phone_masked', '139****' || right(u.phone, 4),
                       'id_masked', ''),
                   md5(m.id::text), CASE WHEN m.id % 10 = 3 THEN 'superseded'
                                         ELSE 'issued' END, now(), '', '', ''
            FROM memberships_membership m JOIN accounts_user u ON u.id = m.user_id""")
        cursor.execute("ANALYZE")


def _time(client, connection, paths, CaptureQueriesContext, expect) -> tuple:
    times, queries = [], set()
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (path, response.status_code)
        queries.add(len(ctx.captured_queries))
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], sorted(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    setup_django(DB)
    from urllib.parse import urlencode

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from tenant_apps.certificates.models import Certificate
    from tenants.services import association_create, platform_ensure_public

    settings.CERTIFICATE_LOOKUPS_PER_IP_PER_HOUR = 10**9
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the unknown codes' 404s
    try:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        platform_ensure_public()
        association_create(acting_user=None, name="基准学会", slug="bench", profile="cmes",
                           admin_name="Admin", admin_email="a@bench.test",
                           admin_password="Bench-passw0rd-2026")
        with schema_context("bench"):
            started = time.perf_counter()
            _build(args.certificates)
            built = time.perf_counter() - started
            sample = list(Certificate.objects.order_by("?").values_list(
                "code", "short_code", "number", "shown__name")[:args.samples])
        connection.set_schema_to_public()
        client = Client(HTTP_HOST="bench.localhost")
        client.get(f"/verify/{sample[0][0]}/")  # warm up: the tenant's domain, templates
        print(f"certificate verification, {args.certificates:,} certificates in one "
              f"association; built in {built:.1f} s")
        kinds = (
            ("QR code", [f"/verify/{c}/" for c, *_ in sample], 200),
            ("short code", [f"/verify/{s[:4]}-{s[4:8]}-{s[8:]}/" for _, s, *_ in sample],
             200),
            ("number + name", ["/verify/?" + urlencode({"number": n, "name": name})
                               for *_, n, name in sample], 200),
            ("unknown code", [f"/verify/{secrets.token_urlsafe(32)}/" for _ in sample], 404),
        )
        for label, paths, expect in kinds:
            random.shuffle(paths)
            p50, p95, queries = _time(client, connection, paths, CaptureQueriesContext, expect)
            print(f"  {label:<14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   queries {queries}")
    finally:
        drop_database(DB)


if __name__ == "__main__":
    main()
