"""The platform and an association's site, as a person sees them in Chromium."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import fits_the_screen, screenshot
from tests.harness import PASSWORD

# django_db makes pytest-django create the test database the server process uses.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_cmes_landing_page_on_a_phone(server, phone):
    phone.goto(f"http://cmes.localhost:{server}/")
    assert phone.locator("h1").inner_text() == "中国机械工程学会"
    assert "Chinese Mechanical Engineering Society" in phone.content()
    assert phone.locator("text=010-68799026").is_visible()
    assert phone.locator("a:has-text('会员登录')").is_visible()
    assert fits_the_screen(phone), "the page scrolls sideways on a phone"
    screenshot(phone, "cmes-landing-phone")


def test_language_switch_on_a_cached_landing_page(server, desktop):
    """The landing page is the same for every anonymous visitor (so it can be cached where
    the cache is shared: huiji/pagecache.py), so it carries no CSRF token; its language switch
    still works both ways."""
    page = desktop
    page.goto(f"http://cmes.localhost:{server}/")
    assert "csrfmiddlewaretoken" not in page.content()
    assert not [c for c in page.context.cookies() if c["name"] == "csrftoken"]
    page.click("button:has-text('EN')")
    page.wait_for_load_state()
    assert page.locator("a:has-text('Member login')").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.reload()
    assert page.locator("a:has-text('Member login')").is_visible()
    page.click("button:has-text('中文')")
    page.wait_for_load_state()
    assert page.locator("a:has-text('会员登录')").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # a real form keeps its token
    page.click("a:has-text('会员登录')")
    assert page.locator("input[name=csrfmiddlewaretoken]").count() >= 1


def test_platform_on_the_base_domain_and_english(server, phone):
    phone.goto(f"http://localhost:{server}/")
    assert "会籍" in phone.locator("h1").inner_text()
    assert "中国机械工程学会" not in phone.content()
    assert fits_the_screen(phone)
    phone.click("button:has-text('EN')")
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "Huiji membership platform"
    assert phone.locator("button:has-text('中文')").is_visible()
    screenshot(phone, "platform-landing-en")


def test_unknown_subdomain_gets_the_not_found_page(server, phone):
    response = phone.goto(f"http://nobody.localhost:{server}/")
    assert response.status == 404
    assert "未找到该协会" in phone.locator("h1").inner_text()


def test_operator_onboards_an_association_and_its_site_answers(server, desktop,
                                                               created_by_browser):
    created_by_browser.append("zjtest")
    page = desktop
    page.goto(f"http://localhost:{server}/login/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    assert page.locator("text=Alpha Society").is_visible()
    screenshot(page, "console-dashboard")

    page.click("text=开通协会")
    page.fill("input[name=name]", "浙江省测试协会")
    page.fill("input[name=slug]", "www")  # reserved: refused beside the field
    page.fill("input[name=admin_name]", "王管理")
    page.fill("input[name=admin_email]", "wang@zjtest.example")
    page.click("button[type=submit]")
    error = page.locator(".field.has-error small.error").inner_text()
    assert error == "该简称为系统保留，请换一个。"

    page.fill("input[name=slug]", "zjtest")
    page.select_option("select[name=profile]", "jsgas")
    page.click("button[type=submit]")
    assert "浙江省测试协会 已开通" in page.locator("h1").inner_text()
    activation = page.locator("code.break").inner_text()
    assert activation.startswith(f"http://zjtest.localhost:{server}/reset/")
    screenshot(page, "console-onboarded")

    site = page.context.new_page()
    site.goto(f"http://zjtest.localhost:{server}/")
    assert site.locator("h1").inner_text() == "浙江省测试协会"
    assert site.locator(".hero-en").inner_text() == "Jiangsu Gas & Heat Association"

    # The first administrator chooses a password through the one-time link, then logs in.
    site.goto(activation)
    site.fill("input[name=new_password1]", "Zj-admin-passw0rd")
    site.fill("input[name=new_password2]", "Zj-admin-passw0rd")
    site.click("button[type=submit]")
    site.wait_for_url("**/login/?activated=1")
    site.fill("input[name=username]", "wang@zjtest.example")
    site.fill("input[name=password]", "Zj-admin-passw0rd")
    site.click("button[type=submit]")
    site.wait_for_url(f"http://zjtest.localhost:{server}/")
    assert "已登录" in site.content()

    # Suspend it from the console: its site shows the suspended page, then resume.
    page.goto(f"http://localhost:{server}/console/")
    page.locator("tr", has_text="浙江省测试协会").locator("button:has-text('暂停服务')").click()
    page.fill("textarea[name=reason]", "测试暂停")  # the reason is required
    page.locator("button:has-text('确认暂停')").click()  # asked again on a page of its own
    page.goto(f"http://localhost:{server}/console/")
    assert page.locator("tr", has_text="浙江省测试协会").locator(".badge").inner_text() \
        == "已暂停"
    response = site.goto(f"http://zjtest.localhost:{server}/")
    assert response.status == 503
    assert "服务已暂停" in site.locator("h1").inner_text()
    page.locator("tr", has_text="浙江省测试协会").locator("button:has-text('恢复服务')").click()
    assert site.goto(f"http://zjtest.localhost:{server}/").status == 200
