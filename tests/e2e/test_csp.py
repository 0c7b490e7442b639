"""The pages work without inline script or style: the browser tests' server (development
settings) sends the production policy as Content-Security-Policy-Report-Only, and Chromium
reports every violation in the console. The behaviours moved out of the markup (the human
check's piece and pictures, confirmations, auto-submitting select) still work."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login

# django_db makes pytest-django create the test database the server process uses.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_staff_pages_break_no_content_security_policy(server, desktop):
    base = f"http://cmes.localhost:{server}"
    page = desktop
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    response = page.goto(f"{base}/login/")
    assert "default-src 'self'" in response.headers["content-security-policy-report-only"]
    if page.locator(".humancheck").count():  # the piece is placed by huiji.js
        assert page.locator(".hc-piece").evaluate("e => e.style.left") == "0%"
        page.wait_for_function("document.querySelector('.hc-bg').complete "
                               "&& document.querySelector('.hc-piece').complete")
        for picture in (".hc-bg", ".hc-piece"):  # served from the site itself: allowed
            assert page.locator(picture).evaluate("e => e.naturalWidth") > 0
    login(page, base, "admin@cmes.test")
    for path in ("/review/", "/manage/config/", "/finance/orders/", "/finance/statements/",
                 "/finance/vouchers/", "/member/", "/manage/dashboard/",
                 "/manage/members/export/", "/manage/members/message/"):
        page.goto(f"{base}{path}")
    page.goto(f"{base}/manage/config/templates/")
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    rows = page.locator("form[data-confirm] button").count()
    if rows:
        page.locator("form[data-confirm] button").first.click()
        assert dialogs == ["确定删除吗？"]
        assert page.locator("form[data-confirm] button").count() == rows  # nothing removed
    page.goto(f"{base}/finance/notifications/")
    page.select_option("select[data-autosubmit]", "refused")
    page.wait_for_url(re.compile(r".*outcome=refused$"))
    assert violations == []
