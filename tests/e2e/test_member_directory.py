"""会员查询 on a phone: CMES's 机器人分会 administrator sees only the branch's members and
counts, and finds 张三 by typing `zs`."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ADMIN = "robot-dir@cmes.test"


SLUG = "dcmes"  # a CMES association of this test's own: other browser tests add CMES members


@pytest.fixture(scope="module")
def robot_branch(demo_tenants, django_db_blocker):
    """Three CMES members, two of 机器人分会 (张三, 张伟) and one of 机械史分会 (王伟), and
    the robot branch's administrator (committed)."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.directory.tests.helpers import quick_member
    from tenants.models import Association
    from tenants.services import association_create

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        if not Association.objects.filter(slug=SLUG).exists():
            association_create(acting_user=None, name="中国机械工程学会", slug=SLUG,
                               profile="cmes", admin_name="管理员",
                               admin_email=f"admin@{SLUG}.test", admin_password=PASSWORD)
    with django_db_blocker.unblock(), schema_context(SLUG):
        if not User.objects.filter(email=ADMIN).exists():
            quick_member(7701, "张三", branch="robot", phone="13577010001")
            quick_member(7702, "张伟", type_code="regular", branch="robot",
                         phone="13577010002")
            quick_member(7703, "王伟", branch="mech_history", phone="13577010003")
            from tenant_apps.accounts.models import Role
            from tenant_apps.accounts.services import user_create
            from tenant_apps.configuration.models import Branch

            admin = user_create(acting_user=None, name="机器人分会管理员", email=ADMIN,
                                password=PASSWORD, roles=[Role.BRANCH_ADMIN])
            Branch.objects.get(code="robot").admins.add(admin)
        from tenant_apps.dashboards.services import dashboard_refresh

        dashboard_refresh()
    connection.set_schema_to_public()


def test_branch_admin_finds_zhangsan_by_initials_on_a_phone(server, phone, robot_branch):
    base = f"http://{SLUG}.localhost:{server}"
    login(phone, base, ADMIN)
    phone.goto(f"{base}/manage/members/")
    counts = phone.locator(".directory-counts").inner_text()
    assert "全部会员" in counts
    assert phone.locator(".stat", has_text="全部会员").locator(".stat-n").inner_text() == "2"
    assert phone.locator(".stat", has_text="高级会员").locator(".stat-n").inner_text() == "1"
    rows = phone.locator("table.directory-table tbody").inner_text()
    assert "张三" in rows and "张伟" in rows and "王伟" not in rows
    phone.fill("input[name=q]", "zs")
    phone.click("form.directory-search button.button")
    phone.wait_for_load_state()
    assert "q=zs" in phone.url
    rows = phone.locator("table.directory-table tbody").inner_text()
    assert "张三" in rows and "张伟" not in rows
    assert "135****0001" in rows  # phones masked for branch administrators
    assert fits_the_screen(phone), "the member list scrolls sideways on a phone"
    screenshot(phone, "member-directory-branch-admin-phone")
    phone.click("table.directory-table >> text=张三")
    phone.wait_for_load_state()
    assert "/manage/members/" in phone.url and "张三" in phone.locator("main").inner_text()


def test_the_branch_dashboard_number_opens_the_list_it_counts(server, desktop, robot_branch):
    """数据概览 for the branch: its 有效会员 tile says 2 (张三, 张伟: 王伟 is another branch's),
    and the list it opens shows those two."""
    base = f"http://{SLUG}.localhost:{server}"
    login(desktop, base, ADMIN)
    desktop.goto(f"{base}/manage/dashboard/")
    tile = desktop.locator(".dash-tiles .stat", has_text="有效会员")
    assert tile.locator(".stat-n").inner_text() == "2"
    tile.click()
    desktop.wait_for_load_state()
    assert "/manage/members/?" in desktop.url
    rows = desktop.locator("table.directory-table tbody").inner_text()
    assert "张三" in rows and "张伟" in rows and "王伟" not in rows
    assert desktop.locator("table.directory-table tbody tr").count() == 2
