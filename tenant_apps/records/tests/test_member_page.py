"""Everything about one member on the staff page: its tabs (applications and change requests,
orders and receipts, messages, the timeline), a page at a time, at a query count that does
not grow with the member's rows; what each shows, in words, never a stored key."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.audit.services import audit_record
from tenant_apps.billing.models import Order
from tenant_apps.memberships.models import MembershipEvent
from tenant_apps.notifications.models import OutboxMessage
from tenant_apps.records.tests.helpers import client_for, queries
from tenant_apps.records.tests.test_member_actions import branch_admin, senior, text

pytestmark = pytest.mark.django_db


def _orders(membership, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        Order.objects.create(
            number=f"2026010{membership.pk:03d}{i:05d}",
            transfer_reference=f"HJT{membership.pk}{i}",
            kind="renewal", payer=membership.user, membership=membership,
            member_type=membership.member_type, years=1, unit_amount_fen=10000,
            amount_fen=10000, expires_at=timezone.now() + dt.timedelta(days=7))


def _messages(membership, n: int) -> None:
    OutboxMessage.objects.bulk_create([OutboxMessage(
        event="renewal_due", channel="sms", recipient=membership.user,
        address=membership.user.phone, body=f"提醒{i}", next_attempt_at=timezone.now())
        for i in range(n)])


def _history(membership, n: int) -> None:
    for i in range(n):
        MembershipEvent.objects.create(membership=membership, from_status="active",
                                       to_status="overdue", reason="unpaid",
                                       effective_on=dt.date(2000 + i, 1, 1))
        audit_record(actor=None, action="membership.renewed", target=membership,
                     data={"valid_until": f"{2001 + i}-12-31"})


@pytest.mark.parametrize("show", ["record", "applications", "orders", "messages", "timeline"])
def test_each_tab_costs_the_same_queries_for_one_row_or_many(alpha, show):
    with schema_context("alpha"):
        m = senior(801, branch="robot")
        own = branch_admin("robot", 801)
        _orders(m, 1)
        _messages(m, 1)
        _history(m, 1)
    path = f"/manage/members/{m.number}/?show={show}"
    counts = {}
    for who, client in (("hq", alpha.client("hq_admin")), ("branch", client_for(own, alpha.host))):
        client.get(path)
        counts[who], response = queries(lambda c=client: c.get(path))
        assert response.status_code == 200
    with schema_context("alpha"):
        _orders(m, 30, start=1)
        _messages(m, 30)
        _history(m, 30)
    for who, client in (("hq", alpha.client("hq_admin")), ("branch", client_for(own, alpha.host))):
        many, response = queries(lambda c=client: c.get(path))
        assert response.status_code == 200
        assert many == counts[who], (show, who, counts[who], many)
    assert counts["hq"] <= 16, counts


def test_lists_come_a_page_at_a_time(alpha):
    with schema_context("alpha"):
        m = senior(802)
        _orders(m, 23)
        _messages(m, 21)
    client = alpha.client("hq_admin")
    base = f"/manage/members/{m.number}/"
    first = text(client.get(f"{base}?show=orders"))
    assert first.count('class="order-row"') == 20
    assert 'href="?show=orders&amp;page=2">较早</a>' in first
    second = text(client.get(f"{base}?show=orders&page=2"))
    assert second.count('class="order-row"') == 3 and "较早</a>" not in second
    assert "较新</a>" in second and "第 2 页" in second
    assert text(client.get(f"{base}?show=messages&page=2")).count(
        'class="message-sent message-sms"') == 1
    # a page past the end is empty, a page that is no number the first
    assert "暂无订单" in text(client.get(f"{base}?show=orders&page=9"))
    assert text(client.get(f"{base}?show=orders&page=x")).count('class="order-row"') == 20


def test_the_timeline_says_who_did_what_in_words(alpha):
    from tenant_apps.billing.services import OutsidePayment
    from tenant_apps.memberships.services import membership_renew_by_hand, membership_suspend

    with schema_context("alpha"):
        m = senior(803)
        admin = alpha.user("hq_admin")
        MembershipEvent.objects.create(membership=m, from_status="active",
                                       to_status="overdue", reason="unpaid",
                                       effective_on=dt.date(2020, 1, 1))
        membership_renew_by_hand(acting_user=admin, membership=m, years=1,
                                 payment=OutsidePayment("cash", 10000, "收据 No.7"))
        membership_suspend(acting_user=admin, membership=m, reason="待核查")
    page = text(alpha.client("hq_admin").get(f"/manage/members/{m.number}/?show=timeline"))
    timeline = page[page.index('class="timeline"'):]
    entries = re.findall(r'<strong class="timeline-label">([^<]+)</strong>'
                         r'(?: · <span class="timeline-detail">([^<]*)</span>)? '
                         r'<small class="muted timeline-actor">([^<]+)</small>', timeline)
    with schema_context("alpha"):
        number = Order.objects.get(membership=m).number
    # newest first, as recorded (the nightly job's move names the day the dates gave it)
    assert entries == [
        ("工作人员暂停会籍", "正式会员 → 已暂停", "alpha hq_admin"),
        # the renewal issued the paper certificate (高级会员; the electronic one waits for
        # the photo): tenant_apps/certificates
        ("颁发证书", f"ALPHA-{timezone.localdate().year}-000001", "alpha hq_admin"),
        ("会籍延期", "会籍有效期至 2031-12-31", "alpha hq_admin"),
        ("缴费已确认", f"{number} · ¥100 · 现金 · 收据 No.7", "alpha hq_admin"),
        ("创建订单", f"{number} · ¥100", "alpha hq_admin"),
        ("欠费(宽限期)", "有效期届满未交会费", "系统"),
        ("会籍已激活", m.number, "系统"),
        ("账号已创建", "", "系统"),
    ], entries
    assert "<time>2020-01-01</time>" in timeline and "待核查" in timeline
    for key in ("membership.", "order.", "unpaid", "cash", "system"):
        assert key not in timeline, key


def test_applications_and_requests_tab(alpha):
    from tenant_apps.records.tests.helpers import member

    with schema_context("alpha"):
        m = member("senior", 805)  # through the journey: applied, reviewed, paid
        from tenant_apps.applications.models import Application

        application = Application.objects.get(applicant=m.user)
    page = text(alpha.client("hq_admin").get(f"/manage/members/{m.number}/?show=applications"))
    assert re.search(r'<td data-label="类型">入会申请</td><td data-label="会员类型">高级会员</td>'
                     r'<td data-label="日期">[-0-9]+</td>'
                     r'<td data-label="状态" class="application-status">正式会员</td><td>'
                     rf'<a href="/review/{application.public_id}/">查看</a>', page), page
    assert ">申请与变更</a>" in page  # the tab
    assert "暂无变更申请。" in page
