"""The staff page on a phone: an HQ administrator invites CAQ's secretariat, who activates
the account with the one-time link and reaches the review queue with that role."""

from __future__ import annotations

import random
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.e2e.conftest import fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_invite_activate_and_log_in_on_a_phone(server, phone, django_db_blocker):
    from tenant_apps.notifications.models import OutboxMessage

    base = f"http://caq.localhost:{server}"
    number = f"1370{random.randint(0, 9999999):07d}"
    login(phone, base, "admin@caq.test")
    phone.goto(f"{base}/manage/staff/")
    assert "各角色的权限" in phone.locator("main").inner_text()
    phone.click("text=邀请工作人员")
    phone.fill("#id_name", "秘书处张敏")
    phone.fill("#id_phone", number)
    phone.check("input[name=roles][value=secretariat]")
    phone.click("form[method=post] button[type=submit]")
    phone.wait_for_load_state()
    text = phone.locator("main").inner_text()
    assert "已邀请 秘书处张敏" in text and "已邀请，尚未激活" in text
    assert fits_the_screen(phone), "the staff page scrolls sideways on a phone"
    screenshot(phone, "staff-list-phone")

    with django_db_blocker.unblock(), schema_context("caq"):
        body = OutboxMessage.objects.get(address=number, event="staff_invited").body
    connection.set_schema_to_public()
    assert "中国质量协会 已将您设为工作人员（秘书处）" in body
    link = re.search(r"(http://\S+/reset/\S+/)", body).group(1)

    phone.context.clear_cookies()
    phone.goto(link)
    phone.fill("#id_new_password1", "Zhangmin-2026-pass")
    phone.fill("#id_new_password2", "Zhangmin-2026-pass")
    phone.click("form[method=post] button[type=submit]")
    phone.wait_for_load_state()
    login(phone, base, number, "Zhangmin-2026-pass")
    phone.goto(f"{base}/review/")
    assert "待审核申请" in phone.locator("main").inner_text()
    assert phone.locator("a[href='/manage/staff/']").count() == 0
