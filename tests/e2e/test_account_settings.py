"""账户设置 in Chromium on a phone: a Jiangsu unit signs up with its phone and an SMS code only,
sets a password in the member centre ("进入会员中心，请一定先设置密码"), and logs in with it."""

from __future__ import annotations

import re

import psycopg2
import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot, sms_code, solve_slider

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = "13500000041"


def a_minute_passes(schema: str, phone: str) -> None:
    """As if the person waited out the 60 seconds between two codes to one number: the
    server's rows are committed, so this uses a connection of its own."""
    s = connection.settings_dict
    with psycopg2.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                          host=s["HOST"] or None, port=s["PORT"] or None) as db, \
            db.cursor() as cursor:
        cursor.execute("SELECT set_config('search_path', %s, false)", [schema])
        cursor.execute("UPDATE accounts_verificationcode SET created_at = "
                       "created_at - interval '2 minutes' WHERE phone = %s", [phone])
    db.close()


def test_jsgas_member_signed_up_by_sms_sets_a_password_and_logs_in_with_it(server, phone,
                                                                           sms_gateway):
    base = f"http://jsgas.localhost:{server}"
    page = phone
    page.goto(f"{base}/signup/")
    assert page.locator("input[name=password1]").count() == 0  # SMS only
    page.fill("input[name=name]", "测试热力有限公司")
    page.fill("input[name=phone]", PHONE)
    page.click("button[data-send-code]")
    page.wait_for_selector(".code-status:not(:empty)")
    page.fill("input[name=code]", sms_code(sms_gateway, PHONE))
    solve_slider(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/apply/"))

    page.goto(f"{base}/member/")
    assert "请先设置密码" in page.locator(".set-password-hint").inner_text()
    page.click("a:has-text('账户设置')")
    page.wait_for_url(re.compile(r".*/member/account/$"))
    assert "135****0041" in page.locator(".setting-phone").inner_text()
    assert "未设置" in page.locator(".setting-password").inner_text()
    assert fits_the_screen(page)
    page.click(".setting-password a:has-text('设置密码')")
    page.wait_for_url(re.compile(r".*/member/account/password/set/$"))
    assert "135****0041" in page.locator("main").inner_text()
    # The sign-up code went to this number a moment ago: the next one waits its minute.
    page.click("button[data-send-code]")
    page.wait_for_selector(".code-status:not(:empty)")
    assert "秒后再试" in page.locator(".code-status").inner_text()
    a_minute_passes("jsgas", PHONE)
    codes_before = len(sms_gateway.messages)
    page.click("button[data-send-code]")
    page.wait_for_selector(".code-status.help")
    assert "5 分钟内有效" in page.locator(".code-status").inner_text()
    assert len(sms_gateway.messages) == codes_before + 1
    page.fill("input[name=code]", sms_code(sms_gateway, PHONE))
    # the rule first: all digits is refused, with the reason, in Chinese
    page.fill("input[name=password1]", "20260101")
    page.fill("input[name=password2]", "20260101")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert "密码不能全部为数字" in page.locator(".has-error").first.inner_text()
    page.fill("input[name=password1]", "Rexin-2026-pass")
    page.fill("input[name=password2]", "Rexin-2026-pass")
    screenshot(page, "account-password-set-phone")
    assert fits_the_screen(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/account/$"))
    assert "密码已设置" in page.locator(".flash").inner_text()
    assert "已设置，可通过账户密码登录" in page.locator(".setting-password").inner_text()

    page.click("button:has-text('退出')")
    page.wait_for_load_state()
    login(page, base, PHONE, "Rexin-2026-pass")
    page.goto(f"{base}/member/")
    assert "/member/" in page.url and "/login/" not in page.url
    assert page.locator(".set-password-hint").count() == 0
