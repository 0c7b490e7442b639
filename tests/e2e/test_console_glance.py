"""The operator console's table of every association (/console/), in Chromium: refreshed
with 立即刷新, the charts drawn, searched, sorted, and read on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_operator_sees_every_association_at_a_glance(server, desktop, phone):
    base = f"http://localhost:{server}"
    page = desktop
    login(page, base, "operator", PASSWORD)
    page.goto(f"{base}/console/")
    page.click("button:has-text('立即刷新')")
    assert "正在刷新数据" in page.locator(".flash").inner_text()
    cmes = page.locator("tr", has_text="中国机械工程学会")
    assert cmes.locator("td[data-label='有效会员']").is_visible()
    assert cmes.locator(".badge").inner_text() == "运营中"
    assert page.locator("tr", has_text="尚未统计").count() == 0
    # the four charts drawn by the vendored library, not a CDN
    page.wait_for_function("document.querySelectorAll('.glance-chart canvas').length == 4")
    screenshot(page, "console-glance")

    page.fill("input[name=q]", "jsgas")
    page.click("button:has-text('查询')")
    # count() does not wait: the new page may still be arriving after the click
    page.wait_for_url("**q=jsgas**")
    page.wait_for_load_state()
    rows = page.locator("table.glance-table tbody tr")
    assert rows.count() == 1 and "江苏省燃气热力协会" in rows.inner_text()

    page.goto(f"{base}/console/")
    page.click("th a:has-text('有效会员')")
    page.wait_for_url("**sort=-members**")
    page.wait_for_load_state()
    shown = [int(n) for n in page.locator(".glance-n").all_inner_texts()]
    assert shown == sorted(shown, reverse=True) and shown

    login(phone, base, "operator", PASSWORD)
    phone.goto(f"{base}/console/")
    assert fits_the_screen(phone), "the console scrolls sideways on a phone"
    phone.select_option("select[name=sort]", "-year")
    phone.click("button:has-text('查询')")
    phone.wait_for_url("**sort=-year**")
    screenshot(phone, "console-glance-phone")
