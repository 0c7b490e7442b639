"""Bank statement import: reference and amount confirm, everything else waits for a person;
re-importing changes nothing. Revenue by month, type and method, and its Excel export."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.billing.models import OrderStatus, StatementLine
from tenant_apps.billing.services import order_for_renewal
from tenant_apps.billing.statements import statement_import, statement_line_settle
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate


@pytest.fixture
def orders(alpha):
    with schema_context("alpha"):
        made = []
        for n in range(3):
            member = applicant(70 + n)
            membership = membership_activate(
                acting_user=None, user=member,
                member_type=MemberType.objects.get(code="regular"), rank=None, years=1)
            made.append(order_for_renewal(membership=membership, actor=member, years=n + 1))
        finance = user_create(acting_user=None, name="财务", username="fin-st",
                              password="Staff-passw0rd-2026", roles=[Role.FINANCE])
        yield made, finance


def statement(orders) -> bytes:
    a, b, _c = orders
    rows = [
        "交易日期,贷方金额,对方户名,附言",
        f"2026-11-20,50.00,某单位,会费 {a.transfer_reference}",            # matches a (50)
        f"2026-11-20,99.00,某人,会费 {b.transfer_reference}",              # wrong amount
        "2026-11-21,150.00,某人,会员费",                                    # no reference
        "2026-11-21,,银行,利息",                                            # not a credit
    ]
    return "\n".join(rows).encode("gb18030")  # banks export GBK


def test_import_matches_by_reference_and_amount(orders):
    (a, b, c), finance = orders
    result = statement_import(actor=finance, name="流水.csv", content=statement((a, b, c)))
    assert (result.matched, result.doubtful, result.skipped) == (1, 2, 1)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == OrderStatus.CONFIRMED and b.status == OrderStatus.PENDING
    assert a.membership.valid_until.year == a.membership.activated_at.year + 1
    notes = dict(StatementLine.objects.filter(status="doubtful").values_list("amount_fen",
                                                                              "note"))
    assert "amount" in notes[9900] or "金额" in notes[9900]
    again = statement_import(actor=finance, name="流水.csv", content=statement((a, b, c)))
    assert (again.matched, again.repeated) == (0, 3)  # nothing applied twice


def test_a_person_settles_or_dismisses_doubtful_lines(orders):
    (a, b, c), finance = orders
    statement_import(actor=finance, name="s.csv", content=statement((a, b, c)))
    no_reference = StatementLine.objects.get(amount_fen=15000)
    statement_line_settle(line=no_reference, actor=finance, order=c, note="电话核实")
    c.refresh_from_db()
    assert c.status == OrderStatus.CONFIRMED
    with pytest.raises(AppError):
        statement_line_settle(line=no_reference, actor=finance, order=c)
    wrong = StatementLine.objects.get(amount_fen=9900)
    statement_line_settle(line=wrong, actor=finance, order=None, dismiss=True, note="退回")
    assert StatementLine.objects.get(pk=wrong.pk).status == "dismissed"


def test_excel_statement_and_revenue_report(orders, alpha):
    from openpyxl import Workbook, load_workbook

    (_a, b, _c), finance = orders
    book = Workbook()
    book.active.append(["日期", "金额", "付款人", "摘要"])
    book.active.append(["2026/11/22", "100.00", "乙", f"{b.transfer_reference}"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert statement_import(actor=finance, name="s.xlsx", content=buffer.getvalue()).matched == 1
    client = Client(HTTP_HOST=alpha.host)
    client.force_login(finance, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get("/finance/revenue/").content.decode()
    assert "¥100" in page
    export = client.get("/finance/revenue/?format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][1:] == (1, 100.0)
    assert Client(HTTP_HOST=alpha.host).get("/finance/revenue/").status_code == 302
