"""Referral codes in Chromium (issue 12, "Done when"): a CMES member's referral QR, read from
the poster picture with a QR decoder, opened by a new person on a phone, fills in the sign-up
and the apply page with the referrer shown; after they apply, the referee appears under the
member's 我的推荐 (name masked)."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from django.db import connection
from PIL import Image

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.e2e.test_join_journey import signup, walk_wizard

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE, PASSWORD = "13600007171", "Refer-2026-pass"  # no other test's account


@pytest.fixture(scope="module")
def referrer(demo_tenants, django_db_blocker):
    """A CMES regular member, committed for the server to see: 推荐会员 with a number."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate

    with django_db_blocker.unblock(), schema_context("cmes"):
        user = User.objects.filter(phone=PHONE).first()
        if user is None:
            user = user_create(acting_user=None, name="孙推荐", phone=PHONE,
                               email="refer@example.test", password=PASSWORD)
            membership_activate(acting_user=None, user=user, rank=None, years=1,
                                member_type=MemberType.objects.get(code="regular"))
        number = user.membership.number
    connection.set_schema_to_public()
    return number


def test_a_members_referral_qr_fills_in_the_sign_up_and_the_referee_shows_in_my_referrals(
        server, phone, browser, sms_gateway, referrer):
    base = f"http://cmes.localhost:{server}"
    page = phone
    login(page, base, PHONE, PASSWORD)
    page.goto(f"{base}/member/")
    page.locator(".centre-nav a", has_text="我的推荐码").first.click()
    page.wait_for_load_state()
    assert "我的推荐码" in page.locator("h1").inner_text()
    poster = page.locator("img.referral-poster")
    poster.scroll_into_view_if_needed()
    assert page.evaluate("(img) => img.complete && img.naturalWidth", poster.element_handle()) \
        == 750
    assert fits_the_screen(page)
    screenshot(page, "referral-code-phone")
    # the picture a member saves by a long press and sends: its QR is the link
    # (fetched by the page itself: the browser resolves *.localhost, Playwright's own
    # request client does not)
    fetched = page.evaluate("""async (src) => {
        const response = await fetch(src);
        return {type: response.headers.get("content-type"),
                bytes: Array.from(new Uint8Array(await response.arrayBuffer()))};
    }""", poster.get_attribute("src"))
    assert fetched["type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(bytes(fetched["bytes"]))))
    assert len(found) == 1
    link = found[0].text
    assert re.fullmatch(rf"{re.escape(base)}/r/m\d+:[\w-]+/", link), link
    assert page.locator("#referral-link").input_value() == link

    # a new person scans it on their phone
    stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                   device_scale_factor=2, is_mobile=True, has_touch=True)
    newcomer = stranger.new_page()
    newcomer.goto(link)
    assert f"推荐人：孙推荐 {referrer}" in newcomer.locator("[data-referrer]").inner_text()
    assert fits_the_screen(newcomer)
    screenshot(newcomer, "referral-landing-phone")
    newcomer.click("a:has-text('注册并申请入会')")
    newcomer.wait_for_load_state()
    assert f"推荐人：孙推荐 {referrer}" in newcomer.locator("[data-referral-shown]").inner_text()
    screenshot(newcomer, "referral-signup-phone")
    signup(newcomer, base, sms_gateway, phone="13500000071", name="周新人")
    shown = newcomer.locator("[data-referral-shown]")
    assert f"推荐人：孙推荐 {referrer}" in shown.inner_text()
    assert newcomer.locator("#id_referral").input_value() == "member"
    assert newcomer.locator("#id_referrer_name").input_value() == "孙推荐"
    assert newcomer.locator("#id_referrer_number").input_value() == referrer
    assert fits_the_screen(newcomer)
    screenshot(newcomer, "referral-apply-phone")
    newcomer.check("input[name=member_type][value=student]")
    newcomer.click("form[method=post] button[type=submit]")
    walk_wizard(newcomer)
    newcomer.click("form[method=post] button[type=submit]")
    newcomer.wait_for_url(re.compile(r".*/member/"))
    stranger.close()

    # the referrer sees them under 我的推荐, the name masked
    page.goto(f"{base}/member/referrals/")
    rows = page.locator("table.referral-table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(0).inner_text() == "周**"
    assert rows.first.locator("td").nth(3).inner_text() == "已入会"
    assert "周新人" not in page.content()
    assert fits_the_screen(page)
    screenshot(page, "my-referrals-phone")


def test_the_branch_code_and_the_report_on_a_desktop(server, desktop, referrer):
    base = f"http://cmes.localhost:{server}"
    page = desktop
    login(page, base, "admin@cmes.test")
    page.goto(f"{base}/manage/members/")
    page.click("a:has-text('生成推荐码')")
    page.wait_for_load_state()
    page.select_option("#id_branch", "robot")
    page.click("button:has-text('查看')")
    page.wait_for_load_state()
    assert "推荐码 · 机器人分会" in page.locator("h1").inner_text()
    screenshot(page, "branch-referral-code-desktop")
    page.click("a:has-text('打印推荐卡')")
    page.wait_for_load_state()
    assert "推荐分会：机器人分会" in page.locator(".referral-card").inner_text()
    screenshot(page, "branch-referral-card-desktop")
    page.goto(f"{base}/manage/referrals/")
    assert "孙推荐" in page.locator("#by-member").inner_text()
    screenshot(page, "referral-report-desktop")
