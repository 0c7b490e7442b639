"""A CMES administrator of 机器人分会, on a phone, exports the branch's members found in the
member list to Excel (the file downloaded and read) and sends them a notice: the count and
the text as the first member reads it are confirmed first, and each member finds the notice,
filled in with their own name, in their inbox."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

NAMES = ["机器人会员甲", "机器人会员乙", "机器人会员丙"]
ADMIN_PHONE = "13700013013"


@pytest.fixture(scope="module")
def robot_branch(demo_tenants, django_db_blocker):
    """Three members of 机器人分会 and one of 焊接分会 with the same kind of name, and the
    robot branch's administrator (committed for the server); removed afterwards."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.directory.services import refresh_entries
    from tenant_apps.directory.tests.helpers import quick_member
    from tenant_apps.memberships.models import Membership

    with django_db_blocker.unblock(), schema_context("cmes"):
        members = [quick_member(9300 + i, name, branch="robot", phone=f"1370009300{i}")
                   for i, name in enumerate(NAMES)]
        members.append(quick_member(9309, "机器人会员丁", branch="welding",
                                    phone="13700093009"))
        from tenant_apps.accounts.services import user_create

        admin = user_create(acting_user=None, name="机器人分会管理员", phone=ADMIN_PHONE,
                            password=PASSWORD, roles=["branch_admin"])
        from tenant_apps.configuration.models import Branch

        Branch.objects.get(code="robot").admins.add(admin)
        numbers = sorted(m.number for m in members[:3])
    connection.set_schema_to_public()
    yield numbers
    with django_db_blocker.unblock(), schema_context("cmes"):
        users = [m.user_id for m in members]
        ids = [m.pk for m in members]
        Membership.objects.filter(pk__in=ids).delete()
        refresh_entries(ids)  # the directory's rows and counts without them
        User.objects.filter(pk__in=[*users, admin.pk]).delete()
    connection.set_schema_to_public()


def test_a_robot_branch_admin_exports_its_members_and_sends_them_a_notice(server, phone,
                                                                           robot_branch):
    from openpyxl import load_workbook

    base = f"http://cmes.localhost:{server}"
    login(phone, base, ADMIN_PHONE)
    phone.goto(f"{base}/manage/members/?q=机器人会员")
    listed = phone.locator("main").inner_text()
    assert all(n in listed for n in NAMES) and "机器人会员丁" not in listed, (phone.url, listed)

    # export: the list's toolbar, the columns, the progress page, the file
    phone.click(".bulk-toolbar >> text=导出 Excel")
    phone.wait_for_load_state()
    assert "列表中共 3 位会员" in phone.locator("main").inner_text()
    phone.click("text=导出 3 位会员")
    phone.wait_for_selector("[data-download]:not([hidden])", timeout=10000)
    with phone.expect_download() as download:
        phone.click("text=下载 Excel 文件")
    with open(download.value.path(), "rb") as fh:
        book = load_workbook(io.BytesIO(fh.read()))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0] == ["会员编号", "会员名称", "会员类型", "会员状态", "所属分支机构", "入会时间",
                       "有效期至"]
    assert [r[0] for r in rows[1:]] == robot_branch
    assert sorted(r[1] for r in rows[1:]) == sorted(NAMES)
    assert {r[4] for r in rows[1:]} == {"机器人分会"}

    # a notice: compose, the count and the first member's text, confirm
    phone.goto(f"{base}/manage/members/?q=机器人会员")
    phone.click(".bulk-toolbar >> text=发送消息")
    phone.wait_for_load_state()
    phone.fill("#f_subject", "年会通知")
    phone.fill("#f_body", "{name}，您好：机器人分会年会将于12月20日召开。")
    phone.click("text=下一步：核对并确认")
    phone.wait_for_load_state()
    confirm = phone.locator("main").inner_text()
    assert "将通过站内信发送给 3 位会员。" in confirm
    assert re.search(r"机器人会员.，您好：机器人分会年会将于12月20日召开。", confirm)
    assert fits_the_screen(phone), "the confirmation scrolls sideways on a phone"
    screenshot(phone, "bulk-message-confirm-phone")
    phone.click("text=确认发送给 3 位会员")
    phone.wait_for_selector("text=已写入发送队列的消息：3 条", timeout=10000)
    screenshot(phone, "bulk-message-done-phone")

    from django_tenants.utils import schema_context

    from tenant_apps.notifications.models import InboxMessage

    with schema_context("cmes"):
        inbox = sorted((m.user.name, m.title, m.body) for m in InboxMessage.objects.filter(
            user__name__startswith="机器人会员"))
    connection.set_schema_to_public()
    assert inbox == sorted((n, "年会通知", f"{n}，您好：机器人分会年会将于12月20日召开。")
                           for n in NAMES)
