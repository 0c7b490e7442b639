"""What a member sees and may do at each status: the label and next action in the member
centre, what suspension stops (certificate, member-only pages) and keeps (renewal), 退会."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.billing.models import Order
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.dates import add_months
from tenant_apps.memberships.lifecycle import lifecycle_run
from tenant_apps.memberships.models import Membership, MembershipEvent
from tenant_apps.memberships.services import membership_activate, membership_withdraw
from tenant_apps.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _member(n: int, ended: dt.date | None = None) -> Membership:
    membership = membership_activate(acting_user=None, user=applicant(n), rank=None, years=1,
                                     member_type=MemberType.objects.get(code="regular"))
    if ended:
        Membership.objects.filter(pk=membership.pk).update(valid_until=ended)
        lifecycle_run()
        membership.refresh_from_db()
    return membership


def _client(membership) -> Client:
    client = Client(HTTP_HOST="alpha.localhost")
    with schema_context("alpha"):
        client.force_login(membership.user,
                           backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


@pytest.mark.parametrize(("months", "label", "action", "certificate"), [
    (None, "正式会员", "我要续费", "有效"),
    (1, "欠费(宽限期)", "补缴欠费", "有效"),
    (7, "已暂停", "补缴欠费", "已暂停"),
    (13, "已失效", "申请入会", "已失效"),
])
def test_the_member_centre_shows_status_and_next_action(alpha, months, label, action,
                                                       certificate):
    today = timezone.localdate()
    with schema_context("alpha"):
        m = _member(601, add_months(today, -months) if months else None)
    page = _client(m).get("/member/").content.decode()
    assert f">{label}<" in page
    assert action in page
    assert f'class="certificate-state">{certificate}<' in page
    # coloured by outcome (templatetags/status.py): in force green, waiting amber, ended red
    tone = {"正式会员": "done", "欠费(宽限期)": "waiting", "已暂停": "waiting",
            "已失效": "rejected"}[label]
    assert f"badge-{tone} membership-status" in page


def test_suspension_closes_member_pages_and_keeps_renewal_open(alpha):
    today = timezone.localdate()
    with schema_context("alpha"):
        m = _member(602, add_months(today, -7))
        assert m.status == "suspended"
    client = _client(m)
    closed = client.get("/member/level-change/")
    assert closed.status_code == 403
    assert "会员服务已暂停" in closed.content.decode()
    # the way back is offered beside the reason
    assert '<a class="button primary next-action" href="/member/renew/">补缴欠费</a>' in \
        closed.content.decode()
    assert client.get("/member/renew/").status_code == 200  # the way back stays open
    page = client.get("/member/").content.decode()
    assert "/member/level-change/" not in page
    with schema_context("alpha"):
        from tenant_apps.applications.services import level_change_start

        with pytest.raises(AppError) as info:
            level_change_start(membership=m, actor=m.user,
                               member_type=MemberType.objects.get(code="senior"),
                               reason="晋升")
        assert info.value.code == "services_suspended"


def test_a_member_leaves_open_orders_are_cancelled_and_the_number_is_not_reused(alpha):
    from tenant_apps.billing.services import order_for_renewal

    with schema_context("alpha"):
        m = _member(603)
        order = order_for_renewal(membership=m, actor=m.user, years=1)
    client = _client(m)
    assert "确认退会" in client.get("/member/withdraw/").content.decode()
    response = client.post("/member/withdraw/", {"reason": "退休"})
    assert response.status_code == 302
    with schema_context("alpha"):
        m.refresh_from_db()
        assert m.status == "withdrawn"
        assert Order.objects.get(pk=order.pk).status == "cancelled"
        event = m.history.get()
        assert (event.from_status, event.to_status, event.reason, event.note) == (
            "active", "withdrawn", "withdrawn_by_member", "退休")
        assert OutboxMessage.objects.filter(recipient=m.user,
                                            event="membership_withdrawn").count() == 3
        # a new member of the type never gets the number back
        other = _member(604)
        assert other.number != m.number
    assert "已退会" in client.get("/member/").content.decode()


def test_staff_withdraw_with_a_reason_only(alpha):
    with schema_context("alpha"):
        m = _member(605)
        secretariat = alpha.user("secretariat")
        with pytest.raises(AppError) as info:
            membership_withdraw(membership=m, actor=secretariat, reason=" ", by_staff=True)
        assert info.value.code == "reason_required"
        assert Membership.objects.get(pk=m.pk).status == "active"  # nothing changed
        with pytest.raises(AppError):  # a member cannot withdraw another member
            membership_withdraw(membership=m, actor=alpha.user("member"), reason="x",
                                by_staff=True)
    refused = alpha.client("finance").post(f"/api/v1/memberships/{m.number}/withdraw/",
                                           {"reason": "违反章程"})
    assert refused.status_code == 404  # finance cannot even see it
    done = alpha.client("secretariat").post(f"/api/v1/memberships/{m.number}/withdraw/",
                                            {"reason": "违反章程"})
    assert done.status_code == 200, done.content
    assert done.json()["history"][0]["reason"] == "withdrawn_by_staff"
    with schema_context("alpha"):
        assert MembershipEvent.objects.get(membership=m).note == "违反章程"


def test_the_member_centre_query_count_does_not_grow_with_history(alpha,
                                                                  django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with schema_context("alpha"):
        m = _member(606)
    client = _client(m)
    client.get("/member/")  # warm caches (session, site)
    with CaptureQueriesContext(connection) as short:
        assert client.get("/member/").status_code == 200
    with schema_context("alpha"):
        from tenant_apps.billing.services import order_for_renewal
        from tenant_apps.memberships.models import MembershipPeriod

        for year in range(10):  # ten years of history: periods, moves, orders
            MembershipPeriod.objects.create(membership=m, kind="renewal",
                                            starts_on=dt.date(2010 + year, 1, 1),
                                            ends_on=dt.date(2010 + year, 12, 31))
            MembershipEvent.objects.create(membership=m, from_status="active",
                                           to_status="overdue", reason="unpaid",
                                           effective_on=dt.date(2011 + year, 1, 1))
        order_for_renewal(membership=m, actor=m.user, years=1)
    with CaptureQueriesContext(connection) as long:
        assert client.get("/member/").status_code == 200
    assert len(long.captured_queries) == len(short.captured_queries)
    assert len(short.captured_queries) <= 25


# The member centre as the manuals show it (issue 10 §3): the card (CAQ's 会员信息: 会员有效期,
# 缴费状态: 正常缴费, 会员类型), and one menu on every member page. The day is fixed so that the
# dates and arrears below are written out by hand.
DAY = dt.date(2026, 12, 7)
MENU_ALL = ["会员首页", "我的资料", "我的申请", "缴纳会费", "我的订单", "我的票据", "缴费记录",
            "我的证书", "等级变更", "我的推荐码", "我的推荐", "消息中心", "我的数据", "账户设置",
            "退会", "退出"]


@pytest.fixture
def on_day(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: DAY)


def _dated(n: int, valid_until: dt.date) -> Membership:
    """A regular (CMES 普通会员, calendar years) member since 2024-03-15, valid to
    `valid_until`, moved by the nightly job as of DAY."""
    with schema_context("alpha"):
        m = _member(n)
        Membership.objects.filter(pk=m.pk).update(valid_from=dt.date(2024, 3, 15),
                                                  valid_until=valid_until)
        lifecycle_run(today=DAY)
        m.refresh_from_db()
    return m


def _menu(page: str) -> list[str]:
    import re

    nav = page[page.index('<nav class="centre-nav"'):]
    nav = nav[:nav.index("</nav>")]
    return [label.strip() for label in re.findall(
        r'class="centre-nav-item[^"]*"[^>]*>([^<]+)', nav)]


def _current(page: str) -> str:
    import re

    return re.search(r'aria-current="page">([^<]+)', page).group(1).strip()


def _dd(page: str, css: str) -> str:
    import re

    return re.search(rf'<dd class="{css}[^"]*">([^<]*)<', page).group(1)


def test_the_card_and_menu_of_a_member_in_force(alpha, on_day):
    m = _dated(611, dt.date(2026, 12, 31))
    page = _client(m).get("/member/").content.decode()
    assert '<h2 class="member-name">申请人611</h2>' in page
    assert _dd(page, "member-number") == m.number
    assert _dd(page, "member-type-name") == "普通会员"
    assert ">正式会员<" in page
    assert _dd(page, "member-since") == "2024-03-15"
    assert _dd(page, "valid-until") == "2026-12-31"
    assert _dd(page, "payment-status") == "正常缴费"
    assert "会籍有效期" in page and "缴费状态" in page and "入会时间" in page
    assert ">我要续费</a>" in page
    assert _menu(page) == MENU_ALL
    assert _current(page) == "会员首页"
    # 退出 logs out by POST, as the top bar does
    assert '<form method="post" action="/logout/" class="centre-nav-form">' in page


@pytest.mark.parametrize(("valid_until", "status", "payment", "action", "menu"), [
    # in grace since 2026-11-01: the fee year 2026 is owed
    (dt.date(2026, 10, 31), "欠费(宽限期)", "欠费1年，待补缴", "补缴欠费", MENU_ALL),
    # suspended since 2026-07-01: no level change, the way back (缴纳会费) stays
    (dt.date(2025, 12, 31), "已暂停", "欠费1年，待补缴", "补缴欠费",
     [e for e in MENU_ALL if e != "等级变更"]),
    # lapsed (CMES: 自动放弃, apply anew): nothing to pay, nothing to leave
    (dt.date(2025, 10, 31), "已失效", "—", "申请入会",
     [e for e in MENU_ALL if e not in ("缴纳会费", "等级变更", "退会")]),
])
def test_the_card_and_menu_follow_the_lifecycle(alpha, on_day, valid_until, status, payment,
                                                action, menu):
    m = _dated(612, valid_until)
    page = _client(m).get("/member/").content.decode()
    assert f">{status}<" in page
    assert _dd(page, "payment-status") == payment
    assert f">{action}</a>" in page
    assert _menu(page) == menu
    assert ("/member/level-change/" in page) == ("等级变更" in menu)


def test_the_menu_is_on_every_member_page_with_the_page_marked(alpha, on_day):
    m = _dated(613, dt.date(2026, 12, 31))
    client = _client(m)
    for url, current in [("/member/", "会员首页"), ("/member/profile/", "我的资料"),
                         ("/member/renew/", "缴纳会费"), ("/member/orders/", "我的订单"),
                         ("/member/invoices/", "我的票据"), ("/member/fees/", "缴费记录"),
                         ("/member/level-change/", "等级变更"), ("/member/messages/", "消息中心"),
                         ("/member/account/", "账户设置"),
                         ("/member/account/password/", "账户设置"),
                         ("/member/withdraw/", "退会"), ("/member/requests/", "我的申请"),
                         ("/member/data/", "我的数据")]:
        page = client.get(url).content.decode()
        assert _menu(page) == MENU_ALL, url
        assert _current(page) == current, url


def test_unread_messages_show_on_the_menu(alpha, on_day):
    from tenant_apps.notifications.models import InboxMessage

    m = _dated(614, dt.date(2026, 12, 31))
    with schema_context("alpha"):
        for i in range(2):
            InboxMessage.objects.create(user=m.user, title=f"通知{i}", body="内容")
    page = _client(m).get("/member/orders/").content.decode()
    assert '消息中心 <span class="badge badge-suspended menu-badge">2</span>' in page


def test_an_applicant_sees_the_pages_an_account_has(alpha):
    with schema_context("alpha"):
        person = applicant(615)
    client = Client(HTTP_HOST="alpha.localhost")
    with schema_context("alpha"):
        client.force_login(person, backend="tenant_apps.accounts.backends.IdentifierBackend")
    page = client.get("/member/").content.decode()
    assert _menu(page) == ["会员首页", "我的申请", "我的订单", "我的票据", "消息中心", "我的数据",
                           "账户设置", "退出"]


def test_staff_have_no_member_menu(alpha):
    page = alpha.client("secretariat").get("/member/account/").content.decode()
    assert 'class="centre-nav"' not in page


def test_a_unit_is_named_by_its_receipt_title(db):
    from tenant_apps.records.tests.helpers import client_for, member, provision

    with schema_context(provision("cacem")):
        m = member("unit", 616, rank="council", answers={"company_name": "中建测试集团有限公司"})
    page = client_for(m.user, "cacem.localhost").get("/member/").content.decode()
    assert '<h2 class="member-name">中建测试集团有限公司</h2>' in page


def test_payment_status_of_a_free_type_and_a_withdrawn_member(alpha, on_day):
    from django.utils import translation

    from tenant_apps.memberships.rules import payment_status, renewal_terms

    m = _dated(617, dt.date(2026, 12, 31))
    with schema_context("alpha"), translation.override("zh-hans"):
        terms = renewal_terms(m)
        assert payment_status(m, terms) == "正常缴费"
        assert payment_status(m, terms, fee=False) == "无需缴费"
        m.status = Membership.Status.WITHDRAWN
        assert payment_status(m, renewal_terms(m)) == ""


def test_the_home_query_count_does_not_grow_with_menu_entries(alpha, on_day, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenant_apps.memberships import menu

    m = _dated(618, dt.date(2026, 12, 31))
    client = _client(m)
    client.get("/member/")
    with CaptureQueriesContext(connection) as few:
        client.get("/member/")
    monkeypatch.setattr(menu, "ENTRIES", menu.ENTRIES * 3)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/member/").content.decode()
    assert len(_menu(page)) == 3 * len(MENU_ALL)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_lapsed_member_who_joined_by_application_can_apply_anew(alpha):
    """CMES (after_lapse: reapply): the member centre offers 申请入会; the application page
    must open for them, not show the old application's 入会成功 page again."""
    from tenant_apps.applications.models import Status
    from tenant_apps.applications.services import (
        application_payment_confirmed,
        application_start,
        application_submit,
        review_decide,
    )
    from tenant_apps.applications.tests.helpers import complete

    today = timezone.localdate()
    with schema_context("alpha"):
        person = applicant(607)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="regular"))
        complete(app)
        app = application_submit(application=app, actor=person)
        app = application_payment_confirmed(application=app, actor=None)
        app = review_decide(application=app, actor=alpha.user("reviewer"), decision="approve",
                            expected_position=app.review_position)
        assert app.status == Status.COMPLETED
        m = app.membership
        old_number = m.number
        Membership.objects.filter(pk=m.pk).update(valid_until=add_months(today, -13))
        lifecycle_run()
        m.refresh_from_db()
        assert m.status == "lapsed"
    client = _client(m)
    assert "申请入会" in client.get("/member/").content.decode()
    page = client.get("/apply/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="member_type"' in text and "入会成功" not in text
    chosen = client.post("/apply/", {"member_type": "regular", "referral": "other"})
    assert chosen.status_code == 302 and "/notices/" in chosen["Location"]

    # ...and through the whole chain again: a member with the next number, the record
    # (one per membership) filled again from the new application (was a 500).
    from tenant_apps.applications.models import Application

    with schema_context("alpha"):
        again = Application.objects.filter(applicant=person).exclude(pk=app.pk).get()
        complete(again)
        again = application_submit(application=again, actor=person)
        again = application_payment_confirmed(application=again, actor=None)
        again = review_decide(application=again, actor=alpha.user("reviewer"),
                              decision="approve", expected_position=again.review_position)
        assert again.status == Status.COMPLETED
        m.refresh_from_db()
        assert m.status == "active" and m.number != old_number
        assert m.record.source_application_id == again.pk
        assert m.record.values["employer"] == again.answers["employer"]


def test_a_lapsed_member_applying_anew_sees_the_application_and_its_payment(alpha):
    """Once the lapsed member has submitted the new application, the member centre shows its
    status and 缴纳会费 (not 申请入会 again, which led back to the member centre)."""
    from tenant_apps.applications.services import application_start, application_submit
    from tenant_apps.applications.tests.helpers import complete

    today = timezone.localdate()
    with schema_context("alpha"):
        m = _member(608, add_months(today, -13))
        assert m.status == "lapsed"
        app = application_start(applicant=m.user,
                                member_type=MemberType.objects.get(code="regular"))
        complete(app)
        app = application_submit(application=app, actor=m.user)
        assert app.status == "awaiting_payment"
    page = _client(m).get("/member/").content.decode()
    assert 'class="certificate-state">已失效<' in page  # the old membership, as it is
    assert "申请入会" not in page
    assert "待缴费" in page and 'href="/member/pay/"' in page


def test_the_renewal_link_in_an_inbox_message_is_a_link_that_wraps(alpha):
    """The lifecycle messages end with the renewal page's address: in the inbox it is a link
    (not text to copy), and may break anywhere so it stays inside the card on a phone."""
    from tenant_apps.notifications.models import InboxMessage

    with schema_context("alpha"):
        m = _member(609)
        InboxMessage.objects.create(user=m.user, title="会员服务已暂停", body=(
            "申请人609，您的普通会员会籍已停止享受会员服务和权益，续费后恢复："
            "http://alpha.localhost:8000/member/renew/"))
    page = _client(m).get("/member/messages/").content.decode()
    assert '<span class="inbox-body">申请人609，' in page
    assert '<a href="http://alpha.localhost:8000/member/renew/">' in page
    from huiji.templatetags.links import links

    assert links("见<b>：https://x.test/a?b=1&c=2。") == (
        '见&lt;b&gt;：<a href="https://x.test/a?b=1&amp;c=2">https://x.test/a?b=1&amp;c=2</a>。')


def test_a_lapsed_member_s_fee_record_offers_no_arrears_to_pay(alpha):
    """CMES: a member a year unpaid has given up the membership (自动放弃会员资格); the way back
    is a new application, so the fee record shows the unpaid year as 未缴费, with no 补缴欠费
    (which only led back to the member centre)."""
    from tenant_apps.memberships.models import MembershipPeriod

    ended = dt.date(timezone.localdate().year - 2, 12, 31)  # this year and last unpaid
    with schema_context("alpha"):
        m = _member(610)
        Membership.objects.filter(pk=m.pk).update(valid_from=dt.date(ended.year, 1, 1),
                                                  valid_until=ended)
        MembershipPeriod.objects.filter(membership=m).update(
            starts_on=dt.date(ended.year, 1, 1), ends_on=ended)
        lifecycle_run()
        m.refresh_from_db()
        assert m.status == "lapsed"
    page = _client(m).get("/member/fees/").content.decode()
    assert "未缴费" in page
    assert "补缴欠费" not in page and "/member/renew/" not in page and "欠费<" not in page
    with schema_context("alpha"):
        Membership.objects.filter(pk=m.pk).update(status="suspended")
    page = _client(m).get("/member/fees/").content.decode()  # suspended: it is owed
    assert "补缴欠费" in page and "欠费<" in page


@pytest.mark.parametrize(("valid_until", "note"), [
    (dt.date(2026, 12, 31), None),
    (dt.date(2026, 10, 31), "您的会籍已于 2026-10-31 到期，尚未缴费。请在 2027-05-01 前缴费，"
                            "否则将暂停会员服务。"),
    (dt.date(2025, 12, 31), "您的会籍已于 2025-12-31 到期且未缴费，会员服务已暂停，补缴欠费后恢复。"
                            "2027-01-01 仍未缴费的，会籍将失效。"),
    (dt.date(2025, 10, 31), "您的会籍已失效，如需再次入会请重新申请。"),
])
def test_the_card_says_why_and_how_to_come_back(alpha, on_day, valid_until, note):
    import re

    m = _dated(620 + valid_until.month + valid_until.year % 10, valid_until)
    page = _client(m).get("/member/").content.decode()
    found = re.search(r'<p class="status-note">([^<]*)</p>', page)
    assert (found.group(1) if found else None) == note


def test_the_renewal_page_says_what_is_owed_and_until_when(alpha, on_day):
    # valid to 2025-12-31, suspended on 2026-12-07: the year 2026 is owed first (CMES ¥50)
    m = _dated(631, dt.date(2025, 12, 31))
    page = _client(m).get("/member/renew/").content.decode()
    assert "自 2026-01-01 起未缴费：须先补缴至少 1 年欠费。" in page
    assert "会籍有效期至 2026-12-31" in page and "会籍有效期至 2027-12-31" in page
