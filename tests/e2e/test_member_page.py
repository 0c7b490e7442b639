"""The staff member page in Chromium: CMES's 机器人分会 administrator, on a phone, reveals a
member's masked ID number in place (the page's script; the reveal is logged); the HQ
administrator suspends the member with a reason and finds both on the member's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ID_NUMBER = "11010519491231002X"


@pytest.fixture(scope="module")
def robot_member(demo_tenants, django_db_blocker):
    """A CMES senior member of 机器人分会 with an ID number on record, and the branch's
    administrator (committed, for the server to see). Returns (number, admin's login)."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import Branch, MemberType
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.records.models import MemberRecord

    with django_db_blocker.unblock(), schema_context("cmes"):
        user = User.objects.filter(phone="13600000071").first()
        if user is None:
            user = user_create(acting_user=None, name="李机器", phone="13600000071",
                               password=PASSWORD)
            membership = membership_activate(
                acting_user=None, user=user, member_type=MemberType.objects.get(code="senior"),
                rank=None, years=1, start=dt.date(2025, 3, 1))
            Membership.objects.filter(pk=membership.pk).update(valid_until=dt.date(2030, 12, 31))
            MemberRecord.objects.create(
                membership=membership, branch=Branch.objects.get(code="robot"),
                values={"name": "李机器", "mobile": "13600000071", "id_number": ID_NUMBER})
            admin = user_create(acting_user=None, name="机器人分会管理员",
                                username="robot-admin-e2e", password=PASSWORD,
                                roles=[Role.BRANCH_ADMIN])
            Branch.objects.get(code="robot").admins.add(admin)
        number = Membership.objects.get(user=user).number
    connection.set_schema_to_public()
    return number, "robot-admin-e2e"


def test_branch_admin_reveals_and_hq_suspends(server, phone, desktop, robot_member):
    number, branch_admin = robot_member
    base = f"http://cmes.localhost:{server}"
    login(phone, base, branch_admin)
    phone.goto(f"{base}/manage/members/{number}/")
    shown = phone.locator('[data-personal="id_number"]')
    assert shown.inner_text() == "110***********002X"
    assert phone.locator(".member-actions a").all_inner_texts() == ["重置登录", "发送消息"]
    assert fits_the_screen(phone)
    phone.locator('form[data-reveal="id_number"] button').click()
    phone.wait_for_selector('[data-personal="id_number"].revealed')
    assert shown.inner_text() == ID_NUMBER
    assert phone.locator('form[data-reveal="id_number"]').count() == 0
    screenshot(phone, "member-page-revealed-phone")

    login(desktop, base, "admin@cmes.test")
    desktop.goto(f"{base}/manage/members/{number}/")
    desktop.click("a.staff-suspend")
    desktop.fill("textarea[name=reason]", "会费票据涉嫌伪造，待核查")
    desktop.click("main form[method=post] button[type=submit]")
    desktop.wait_for_load_state()
    assert f"会籍 {number} 已暂停，已通知会员。" in desktop.locator(".flash").inner_text()
    assert desktop.locator(".member-head-status").inner_text() == "已暂停"
    desktop.click("nav.member-sections a:has-text('操作记录')")
    timeline = desktop.locator(".member-timeline .timeline").inner_text()
    assert "工作人员暂停会籍 · 正式会员 → 已暂停" in timeline
    assert "会费票据涉嫌伪造，待核查" in timeline
    assert "查看个人信息 · 证件号 机器人分会管理员" in timeline
    screenshot(desktop, "member-page-timeline-desktop")
