"""Association configuration in the browser: the join pages of the four demo associations,
and one edit of every kind of configuration by an HQ administrator."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.mark.parametrize(("slug", "expected"), [
    ("cmes", ["学生会员", "普通会员", "高级会员", "¥50", "¥100"]),
    ("cacem", ["普通会员", "理事单位", "常务理事单位", "副会长单位", "¥3,000", "¥50,000"]),
    ("caq", ["¥5,000", "¥10,000", "¥480"]),
    ("jsgas", ["¥2,000", "营业执照", "会员登记表"]),
])
def test_join_page_on_a_phone(server, phone, slug, expected):
    response = phone.goto(f"http://{slug}.localhost:{server}/join/")
    assert response.status == 200
    text = phone.locator("main").inner_text()
    for item in expected:
        assert item in text, item
    assert fits_the_screen(phone), "the join page scrolls sideways on a phone"
    screenshot(phone, f"join-{slug}-phone")


def test_blank_template_downloads_from_the_join_page(server, desktop):
    desktop.goto(f"http://jsgas.localhost:{server}/join/")
    with desktop.expect_download() as info:
        desktop.locator("a[href*='/join/templates/']").first.click()
    assert info.value.suggested_filename.endswith(".pdf")


def test_hq_admin_edits_every_kind_of_configuration(server, desktop):
    page = desktop
    base = f"http://cmes.localhost:{server}"
    login(page, base, "admin@cmes.test")

    def save():
        page.click("form[method=post] button[type=submit]")
        page.wait_for_load_state()

    # Member type
    page.goto(f"{base}/manage/config/types/regular/edit/")
    page.fill("#id_name_en", "Regular member")
    page.fill("#id_year_options", "1,2,3")
    save()
    assert page.url.endswith("/manage/config/types/regular/")
    assert "1, 2, 3" in page.locator("main").inner_text()

    # Fee with an effective date, and the preview of what a member is charged
    page.goto(f"{base}/manage/config/types/senior/")
    page.fill("#fees input[name=amount]", "120")
    page.fill("#fees input[name=effective_from]", "2027-01-01")
    page.click("#fees form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert "on=2027-01-01" in page.url
    preview = page.locator("table.preview").inner_text()
    assert "¥1,200" in preview and "¥120" in preview
    page.fill("input[name=on]", "2026-12-31")
    page.click("#fees form[method=get] button[type=submit]")
    assert "¥1,000" in page.locator("table.preview").inner_text()
    screenshot(page, "config-fee-preview")

    # Form field: a bad one is refused beside the field, then a good one is added
    page.goto(f"{base}/manage/config/types/regular/")
    page.locator("#forms a[href*='fields/new/?step=']").last.click()
    page.fill("#id_key", "wechat_id")
    page.fill("#id_label", "微信号")
    page.select_option("#id_type", "choice")
    save()
    assert page.locator(".field.has-error").count() >= 1
    page.select_option("#id_type", "text")
    page.check("#id_required")
    save()
    assert "微信号" in page.locator("#forms").inner_text()

    # Required upload with a blank template
    page.goto(f"{base}/manage/config/types/regular/uploads/new/")
    page.fill("#id_key", "work_proof")
    page.fill("#id_label", "工作证明（盖章）")
    page.check("input[name=kinds][value=pdf]")
    page.select_option("#id_template", "blank")
    page.set_input_files("#id_new_template", files=[{
        "name": "工作证明模板.pdf", "mimeType": "application/pdf",
        "buffer": b"%PDF-1.4 template"}])
    save()
    assert "工作证明（盖章）" in page.locator("#uploads").inner_text()

    # Review step
    page.goto(f"{base}/manage/config/types/regular/review/new/")
    page.fill("#id_name", "秘书处确认")
    page.select_option("#id_role", "secretariat")
    page.select_option("#id_stage", "after_payment")
    save()
    assert "秘书处确认" in page.locator("#chain").inner_text()

    # Branch
    page.goto(f"{base}/manage/config/branches/new/")
    page.fill("#id_code", "zhejiang")
    page.fill("#id_name", "浙江省机械工程学会")
    page.select_option("#id_kind", "provincial")
    page.select_option("#id_parent", label="中国机械工程学会工作总部")
    save()
    assert "浙江省机械工程学会" in page.locator("main").inner_text()

    # Referral channel
    page.goto(f"{base}/manage/config/referrals/")
    page.locator("main a", has_text="其他").first.click()
    page.fill("#id_help", "默认推荐单位为学会工作总部")
    save()
    assert page.url.endswith("/manage/config/referrals/")

    # Notice: a new version, shown on the public page
    page.goto(f"{base}/manage/config/notices/new/?kind=fee_standard")
    page.fill("#id_body", "学生会员免费；普通会员 50 元/人/年；高级会员 100 元/人/年。（新版）")
    save()
    assert re.search(r"v2", page.locator("main").inner_text())
    page.goto(f"{base}/join/")
    assert "（新版）" in page.locator("main").inner_text()

    # Message template: an unknown placeholder is refused beside the field
    page.goto(f"{base}/manage/config/templates/")
    page.locator("main table a").first.click()
    page.fill("#id_body", "您好 {nickname}")
    save()
    assert "nickname" in page.locator(".field.has-error").inner_text()
    page.fill("#id_body", "您好 {name}，欢迎加入{association}。")
    save()
    assert page.url.endswith("/manage/config/templates/")

    # Payment account: the secret goes in and never comes back
    page.goto(f"{base}/manage/config/payments/wechat/")
    page.fill("#id_setting_merchant_id", "1900000109")
    page.fill("#id_secret_api_v3_key", "S" * 32)
    save()
    listing = page.locator("main").inner_text()
    assert "1900000109" in listing and "S" * 32 not in listing
    assert "S" * 32 not in page.content()

    # Sign-up and login settings
    page.goto(f"{base}/manage/config/accounts/")
    page.check("input[name=login_modes][value=phone_sms]")
    save()
    page.goto(f"{base}/manage/config/accounts/")
    assert page.is_checked("input[name=login_modes][value=phone_sms]")

    # Every change is a revision
    page.goto(f"{base}/manage/config/profile/")
    assert page.locator("main .rows li").count() >= 11
    screenshot(page, "config-revisions")
