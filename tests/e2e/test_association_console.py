"""Issue 14: an operator onboards 某某学会 with the generic profile and a bank account, a member
joins it at once (signs up, applies, pays by transfer voucher, its HQ administrator reviews
and confirms), and the operator suspends it with a reason the site shows, then resumes it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import fits_the_screen, login, screenshot, solve_slider
from tests.e2e.journeys import Journey, pay_by_transfer
from tests.e2e.test_join_journey import walk_wizard
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_onboarded_society_takes_a_member_at_once_then_is_suspended_and_resumed(
        server, sms_gateway, desktop, phone, django_db_blocker, created_by_browser):
    created_by_browser.append("mouxue")
    console = desktop
    console.goto(f"http://localhost:{server}/login/")
    console.fill("input[name=username]", "operator")
    console.fill("input[name=password]", PASSWORD)
    console.click("button[type=submit]")
    console.wait_for_url("**/console/")
    console.click("text=开通协会")
    console.fill("input[name=name]", "某某学会")
    console.fill("input[name=slug]", "mouxue")
    console.select_option("select[name=profile]", "generic")
    console.fill("input[name=admin_name]", "某某管理员")
    console.fill("input[name=admin_email]", "admin@mouxue.test")
    console.fill("input[name=bank_account_name]", "某某学会")
    console.fill("input[name=bank_account_number]", "6222000055556666")
    console.fill("input[name=bank_bank_name]", "工商银行北京分行")
    console.click("button[type=submit]")
    assert "某某学会 已开通" in console.locator("h1").inner_text()
    activation = console.locator("code.break").inner_text()

    # Nobody configures anything: the HQ administrator activates the account, a person
    # signs up and applies, pays by transfer, and the administrator reviews and confirms.
    journey = Journey("mouxue", server, sms_gateway, django_db_blocker).begin()
    base = journey.base
    admin = console.context.browser.new_context(locale="zh-CN").new_page()
    admin.goto(activation)
    admin.fill("input[name=new_password1]", "Mx-admin-passw0rd")
    admin.fill("input[name=new_password2]", "Mx-admin-passw0rd")
    admin.click("button[type=submit]")
    admin.wait_for_url("**/login/?activated=1")
    login(admin, base, "admin@mouxue.test", "Mx-admin-passw0rd")

    page = phone
    page.goto(f"{base}/signup/")
    page.fill("input[name=name]", "某会员")
    page.fill("input[name=email]", "member@mouxue.test")
    if page.locator("input[name=phone]").count():
        page.fill("input[name=phone]", "13877000101")
    page.fill("input[name=password1]", "Join-2026-pass")
    page.fill("input[name=password2]", "Join-2026-pass")
    solve_slider(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    page.select_option("select[name=branch]", "east")
    page.click("main form[method=post] button[type=submit]")
    walk_wizard(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    # No branch administrator yet: the HQ administrator decides the unstaffed branch step.
    journey.review(admin, "某会员", step="入会审核")
    reference = pay_by_transfer(page, base, payer="某会员")
    journey.confirm_voucher(admin, reference)
    page.goto(f"{base}/member/")
    assert re.fullmatch(r"M\d{6}", page.locator(".member-number").inner_text().strip())

    # The console's table after the summary task (立即刷新): its first member and the money.
    console.goto(f"http://localhost:{server}/console/?q=mouxue")
    console.click("button:has-text('立即刷新')")
    console.goto(f"http://localhost:{server}/console/?q=mouxue")
    row = console.locator("table.glance-table tbody tr", has_text="某某学会")
    assert row.locator("td[data-label='有效会员'] .glance-n").inner_text() == "1"
    assert re.fullmatch(r"¥100(\.00)?",
                        row.locator("td[data-label='本年收入']").inner_text().strip())

    # The association's page in the console, then suspend with a reason and resume.
    console.goto(f"http://localhost:{server}/console/associations/mouxue/")
    main = console.locator("main")
    assert "mouxue.localhost" in main.inner_text() and "能解析" in main.inner_text()
    assert "某某管理员" in main.inner_text() and "已激活" in main.inner_text()
    screenshot(console, "console-association-page")
    console.fill("#service textarea[name=reason]", "年度服务费未续")
    console.click("#service button:has-text('暂停服务')")
    console.click("button:has-text('确认暂停')")  # asked again on a page of its own
    assert "年度服务费未续" in console.locator(".notice-box").inner_text()
    response = page.goto(f"{base}/member/")
    assert response.status == 503
    assert "年度服务费未续" in page.locator("main").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "suspended-with-reason-phone")
    admin.context.clear_cookies()
    assert admin.goto(f"{base}/login/").status == 503
    assert "工作人员无法登录" in admin.locator("main").inner_text()
    admin.context.close()
    console.click("#service button:has-text('恢复服务')")
    assert "已恢复服务" in console.locator(".flash").inner_text()
    assert page.goto(f"{base}/member/").status == 200
