"""Jiangsu's 供需对接 in Chromium (issue 13, part 4, "Done when"): a member unit posts a
supply on a phone, with a picture and a script in its title and description; the HQ
administrator approves it in 供需审核; another member finds it by keyword, sees the text as
typed (stored as typed, escaped when shown: no script runs), the picture and the contact
details the poster agreed to show, and writes through 联系发布者, which reaches the poster's
inbox through the outbox; the poster withdraws it and it is gone from the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.e2e.conftest import PNG, fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

POSTER, ASKER = "13600008801", "13600008802"  # no other test's accounts
PASSWORD = "Market-2026-pass"
TITLE = "<script>window.__xss=1</script>燃气表E2E"


@pytest.fixture(scope="module")
def members(demo_tenants, django_db_blocker):
    """Two Jiangsu member units, committed for the server; their posts removed afterwards."""
    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.marketplace.models import Post
    from tenant_apps.memberships.services import membership_activate

    with django_db_blocker.unblock(), schema_context("jsgas"):
        for phone, name in ((POSTER, "南京表计E2E有限公司"), (ASKER, "苏州燃气E2E公司")):
            if not User.objects.filter(phone=phone).exists():
                user = user_create(acting_user=None, name=name, phone=phone,
                                   password=PASSWORD)
                membership_activate(acting_user=None, user=user, rank=None, years=1,
                                    member_type=MemberType.objects.get(code="unit"))
    connection.set_schema_to_public()
    yield
    with django_db_blocker.unblock(), schema_context("jsgas"):
        Post.objects.filter(author__phone__in=[POSTER, ASKER]).delete()
    connection.set_schema_to_public()


def test_post_moderate_find_contact_and_withdraw(server, phone, desktop, members, tmp_path):
    from tenant_apps.marketplace.models import Post
    from tenant_apps.notifications.models import OutboxMessage

    base = f"http://jsgas.localhost:{server}"
    page = phone
    page.on("dialog", lambda dialog: dialog.dismiss())  # an alert() would be a script run
    login(page, base, POSTER, PASSWORD)
    page.goto(f"{base}/member/")
    page.locator(".centre-nav a", has_text="供需对接").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "供需对接"
    page.click("a:has-text('发布信息')")
    page.wait_for_load_state()
    page.check("input[name=kind][value=supply]")
    page.fill("#id_title", TITLE)
    page.select_option("#id_category", label="仪器仪表")
    page.select_option("#id_region", label="南京市")
    page.fill("#id_description", "G2.5 物联网表\n<img src=x onerror=\"window.__xss=2\">")
    page.fill("#id_contact_name", "王经理")
    page.fill("#id_contact_phone", "13912348801")
    page.check("#id_show_contact")
    picture = tmp_path / "meter.png"
    picture.write_bytes(PNG)
    page.set_input_files("#id_images", str(picture))
    assert fits_the_screen(page)
    screenshot(page, "market-post-form-phone")
    page.click("form.market-form button[type=submit]")
    page.wait_for_load_state()
    row = page.locator(".market-mine-row").first
    assert row.locator("[data-status]").inner_text() == "待审核"
    assert row.locator(".market-mine-title").inner_text() == TITLE  # stored as typed

    admin = desktop
    login(admin, base, "admin@jsgas.test")
    admin.click("a:has-text('供需审核')")
    admin.wait_for_load_state()
    admin.locator(".market-card", has_text="燃气表E2E").first.locator("a").click()
    admin.wait_for_load_state()
    screenshot(admin, "market-review-desktop")
    admin.click("form.market-approve button")
    admin.wait_for_load_state()
    assert "已发布" in admin.locator(".flash").inner_text()

    asker = phone.context.browser.new_context(viewport={"width": 390, "height": 844},
                                              locale="zh-CN", is_mobile=True,
                                              has_touch=True).new_page()
    asker.on("dialog", lambda dialog: dialog.dismiss())
    login(asker, base, ASKER, PASSWORD)
    asker.goto(f"{base}/market/")
    asker.fill("#id_q", "燃气表e2e")
    asker.select_option("#id_category", label="仪器仪表")
    asker.click("form.market-filters button[type=submit]")
    asker.wait_for_load_state()
    assert asker.locator(".market-card").count() == 1
    assert fits_the_screen(asker)
    screenshot(asker, "market-browse-phone")
    asker.locator(".market-card a").click()
    asker.wait_for_load_state()
    assert asker.locator("h1.market-post-title").inner_text() == TITLE
    assert "<img src=x onerror=\"window.__xss=2\">" in \
        asker.locator(".market-description").inner_text()
    assert asker.evaluate("window.__xss === undefined")
    assert asker.locator(".market-contact-phone").inner_text() == "13912348801"
    image = asker.locator(".market-pictures img").first
    image.scroll_into_view_if_needed()
    asker.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                            arg=image.element_handle())
    asker.fill("#id_message", "请报价，谢谢")
    assert fits_the_screen(asker)
    screenshot(asker, "market-detail-phone")
    asker.click(".market-contact-form button[type=submit]")
    asker.wait_for_load_state()
    assert "留言已发送" in asker.locator(".flash").inner_text()
    with schema_context("jsgas"):
        post = Post.objects.get(title=TITLE)
        sent = OutboxMessage.objects.filter(event="market_contact", recipient=post.author)
        assert {m.channel for m in sent} == {"inbox", "sms"}
        assert all("请报价，谢谢" in m.body and "苏州燃气E2E公司" in m.body for m in sent)
    connection.set_schema_to_public()

    page.goto(f"{base}/market/mine/")
    page.locator(".market-mine-row", has_text="燃气表E2E").locator(
        "a:has-text('撤回')").click()
    page.wait_for_load_state()
    page.click("form button[type=submit]:has-text('撤回')")
    page.wait_for_load_state()
    assert page.locator(".market-mine-row [data-status]").first.inner_text() == "已撤回"
    asker.goto(f"{base}/market/?q=燃气表e2e")
    assert asker.locator(".market-card").count() == 0
    asker.context.close()
