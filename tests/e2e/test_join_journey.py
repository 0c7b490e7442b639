"""The join journey in Chromium, as each demo association's manual describes it, up to the
payment step (and to activation for a CMES student)."""

from __future__ import annotations

import re

import pytest
from stdnum.cn import uscc

from tests.e2e.conftest import (
    PDF,
    PNG,
    fill_step,
    fits_the_screen,
    login,
    screenshot,
    sms_code,
    solve_slider,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
USCC = "91320100MA1XK7T33" + uscc.calc_check_digit("91320100MA1XK7T33")


def signup(page, base: str, gateway, *, phone: str, name: str, email: str | None = None):
    page.goto(f"{base}/signup/")
    page.fill("input[name=name]", name)
    if page.locator("input[name=phone]").count():
        page.fill("input[name=phone]", phone)
    if page.locator("input[name=email]").count():
        page.fill("input[name=email]", email or f"{phone}@example.test")
    if page.locator("input[name=password1]").count():
        page.fill("input[name=password1]", "Join-2026-pass")
        page.fill("input[name=password2]", "Join-2026-pass")
    if page.locator("input[name=code]").count():
        page.click("button[data-send-code]")
        page.wait_for_selector(".code-status:not(:empty)")
        page.fill("input[name=code]", sms_code(gateway, phone))
    solve_slider(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert "/apply/" in page.url, page.locator(".error, .form-error").all_inner_texts()


def walk_wizard(page, *, save_draft_on_first=False, on_step=None) -> None:
    """From the notices to the confirmation page, filling every step and uploading every
    required material; `on_step(page)` may type particular answers over the filled ones."""
    page.check("input[name=accept]")
    page.click("form[method=post] button[type=submit]")
    first = True
    while "/step/" in page.url:
        fill_step(page, uscc=USCC)
        if on_step:
            on_step(page)
        if first and save_draft_on_first:
            page.click("button[value=save]")
            page.wait_for_load_state()
            return
        first = False
        page.click("button[value=next]")
        page.wait_for_load_state()
        assert "/step/" not in page.url or page.locator(".has-error").count() == 0, \
            page.locator(".has-error").all_inner_texts()
    if "/uploads/" in page.url:
        for row in page.locator(".upload-row").all():
            if not row.locator(".req").count() or not row.locator("input[type=file]").count():
                continue
            accepts_image = "image" in (row.get_attribute("data-kinds") or "").split()
            row.locator("input[type=file]").set_input_files(files=[{
                "name": "scan.png" if accepts_image else "scan.pdf",
                "mimeType": "image/png" if accepts_image else "application/pdf",
                "buffer": PNG if accepts_image else PDF}])
            row.locator("button[type=submit]").click()
            page.wait_for_load_state()
        screenshot(page, "journey-uploads")
        page.click("a.button.primary:has-text('下一步')")
    assert "/confirm/" in page.url


def test_cacem_unit_up_to_payment_with_a_draft_resumed_after_logout(server, phone,
                                                                     sms_gateway):
    base = f"http://cacem.localhost:{server}"
    page = phone
    signup(page, base, sms_gateway, phone="13500000001", name="测试建设集团有限公司")
    page.check("input[name=member_type][value=unit]")
    page.select_option("select[name=rank]", "council")  # 理事单位
    page.click("form[method=post] button[type=submit]")
    walk_wizard(page, save_draft_on_first=True)
    assert "暂存" in page.locator(".flash").inner_text() or "草稿" in page.locator(
        ".flash").inner_text()
    # log out; the draft survives and the wizard resumes where it stopped
    page.click("button:has-text('退出')")
    login(page, base, "13500000001", "Join-2026-pass")
    page.goto(f"{base}/apply/")
    assert "/step/0/" in page.url
    assert page.locator("input").filter(has_text="").first is not None
    assert page.locator("input[value='测试内容']").count() >= 1
    page.click("button[value=next]")
    page.wait_for_load_state()
    while "/step/" in page.url:
        fill_step(page, uscc=USCC)
        page.click("button[value=next]")
        page.wait_for_load_state()
    assert "/uploads/" in page.url
    # a renamed executable is refused with a clear message
    row = page.locator(".upload-row").first
    row.locator("input[type=file]").set_input_files(files=[{
        "name": "申请表.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" * 20}])
    row.locator("button[type=submit]").click()
    assert "不支持该文件类型" in page.locator(".upload-row .error").first.inner_text()
    page.goto(page.url)
    for row in page.locator(".upload-row").all():
        row.locator("input[type=file]").set_input_files(files=[{
            "name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        row.locator("button[type=submit]").click()
        page.wait_for_load_state()
    page.click("a.button.primary:has-text('下一步')")
    screenshot(page, "cacem-confirm-phone")
    assert fits_the_screen(page)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    assert "待缴费" in page.locator(".status-label").inner_text()
    screenshot(page, "cacem-member-centre")


def test_cmes_student_becomes_a_member(server, phone, sms_gateway):
    base = f"http://cmes.localhost:{server}"
    page = phone
    signup(page, base, sms_gateway, phone="13500000002", name="王同学")
    page.check("input[name=member_type][value=student]")
    page.select_option("#id_referral", "other")  # *推荐渠道 is required at CMES
    page.click("form[method=post] button[type=submit]")
    walk_wizard(page)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    number = page.locator(".member-number").inner_text()
    assert re.fullmatch(r"E\d{9}T", number), number
    assert "2027-06-30" in page.locator(".member-card").inner_text()
    screenshot(page, "cmes-student-member")


def test_cmes_senior_rejected_with_reason_then_resubmitted(server, phone, desktop,
                                                           sms_gateway):
    base = f"http://cmes.localhost:{server}"
    app_page = phone
    signup(app_page, base, sms_gateway, phone="13500000003", name="李高级")
    app_page.check("input[name=member_type][value=senior]")
    app_page.select_option("#id_referral", "other")  # *推荐渠道 is required at CMES
    app_page.click("form[method=post] button[type=submit]")
    walk_wizard(app_page)
    app_page.click("form[method=post] button[type=submit]")
    app_page.wait_for_url(re.compile(r".*/member/"))
    assert "待会员审核" in app_page.locator(".status-label").inner_text()

    # The HQ administrator reviews (CMES: review before payment for seniors)
    page = desktop
    login(page, base, "admin@cmes.test")
    page.goto(f"{base}/review/")
    page.locator("a", has_text="李高级").click()
    page.click("button[value=reject]")
    assert "原因" in page.locator(".form-error").inner_text()  # a reason is required
    page.fill("textarea[name=reason]", "技术职称证明不清晰")
    page.click("button[value=reject]")
    page.wait_for_url(re.compile(r".*/review/$"))
    screenshot(page, "review-queue")

    # The applicant sees the reason, edits and resubmits; the chain resumes
    app_page.reload()
    assert "已驳回（技术职称证明不清晰）" in app_page.locator(".status-label").inner_text()
    app_page.click("a.button.primary")
    app_page.locator(".wizard-nav a").last.click()
    app_page.click("form[method=post] button[type=submit]")
    app_page.wait_for_url(re.compile(r".*/member/"))
    assert "待会员审核" in app_page.locator(".status-label").inner_text()
    timeline = app_page.locator(".timeline").inner_text()
    assert "驳回" in timeline and "重新提交" in timeline
    assert "技术职称证明不清晰" in timeline
    screenshot(app_page, "cmes-senior-resubmitted")


@pytest.fixture(scope="session")
def jsgas_unit(demo_tenants, django_db_blocker):
    """A Jiangsu unit that signed up earlier (committed, for the server to see): SMS login
    logs existing accounts in and never makes one."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create

    with django_db_blocker.unblock(), schema_context("jsgas"):
        if not User.objects.filter(phone="13500000004").exists():
            user_create(acting_user=None, name="测试燃气有限公司", phone="13500000004",
                        password="Join-2026-pass")
    connection.set_schema_to_public()
    return "13500000004"


def test_jsgas_unit_logs_in_by_sms_and_applies_up_to_payment(server, phone, sms_gateway,
                                                             jsgas_unit):
    """Jiangsu: a unit that has signed up logs in with its phone and an SMS code."""
    base = f"http://jsgas.localhost:{server}"
    page = phone
    page.goto(f"{base}/login/sms/")
    page.fill("input[name=phone]", jsgas_unit)
    page.click("button[data-send-code]")
    page.wait_for_selector(".code-status:not(:empty)")
    page.fill("input[name=code]", sms_code(sms_gateway, jsgas_unit))
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/$"))
    page.goto(f"{base}/apply/")
    assert page.locator("input[name=password1]").count() == 0
    page.click("main form[method=post] button[type=submit]")  # the only type is chosen
    walk_wizard(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    # Jiangsu reviews before the transfer: the application waits for the association
    assert "待入会审批" in page.locator(".status-label").inner_text()
    screenshot(page, "jsgas-submitted")


def test_caq_unit_prints_the_generated_form_and_uploads_it(server, phone, sms_gateway):
    """CAQ: a generated, pre-filled application form to print, stamp and upload."""
    base = f"http://caq.localhost:{server}"
    page = phone
    signup(page, base, sms_gateway, phone="13500000005", name="测试质量科技有限公司")
    page.check("input[name=member_type][value=unit]")
    page.click("main form[method=post] button[type=submit]")
    page.check("input[name=accept]")
    page.click("main form[method=post] button[type=submit]")
    while "/step/" in page.url:
        fill_step(page, uscc=USCC)
        page.click("button[value=next]")
        page.wait_for_load_state()
    assert "/uploads/" in page.url
    with page.expect_download() as download:
        page.click("a:has-text('下载')")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf  # the CJK font is embedded
    row = page.locator(".upload-row").first
    row.locator("input[type=file]").set_input_files(files=[{
        "name": "stamped.png", "mimeType": "image/png", "buffer": PNG}])
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.click("a.button.primary:has-text('下一步')")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    assert "待资料审核" in page.locator(".status-label").inner_text()
    # CAQ logs in by unit name or member number with a password (and the slider)
    page.context.clear_cookies()
    login(page, base, "测试质量科技有限公司", "Join-2026-pass")
    assert "/login/" not in page.url


def test_branch_review_is_routed_and_other_branches_see_nothing(server, generic_society,
                                                                 phone, desktop):
    """Seed 001: the applicant chooses the body to join; that branch reviews (待分会审), and
    another branch's administrator can neither list nor open the application."""
    base = f"http://{generic_society}.localhost:{server}"
    page = phone
    page.goto(f"{base}/signup/")
    page.fill("input[name=name]", "华东申请人")
    page.fill("input[name=email]", "east-applicant@example.test")
    page.fill("input[name=password1]", "Join-2026-pass")
    page.fill("input[name=password2]", "Join-2026-pass")
    if page.locator("input[name=phone]").count():
        page.fill("input[name=phone]", "13500000006")
    solve_slider(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    page.select_option("select[name=branch]", "east")
    page.click("main form[method=post] button[type=submit]")
    walk_wizard(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    assert "待分会审" in page.locator(".status-label").inner_text()

    staff = desktop
    login(staff, base, "north-admin")
    staff.goto(f"{base}/review/")
    assert "华东申请人" not in staff.locator("main").inner_text()
    staff.context.clear_cookies()
    login(staff, base, "east-admin")
    staff.goto(f"{base}/review/")
    staff.locator("a", has_text="华东申请人").click()
    review_url = staff.url
    assert "待分会审" in staff.locator("main").inner_text()
    staff.context.clear_cookies()
    login(staff, base, "north-admin")
    assert staff.goto(review_url).status == 404
    screenshot(staff, "branch-admin-404")


def test_cmes_senior_reviewed_then_pays_by_wechat_qr(server, payment_gateway, phone, desktop,
                                                     sms_gateway):
    """CMES senior: review before payment, then the WeChat QR on the PC page; the "scan"
    pays at the (fake) gateway, whose signed, encrypted notification makes the member."""
    base = f"http://cmes.localhost:{server}"
    page = phone
    signup(page, base, sms_gateway, phone="13500000008", name="张高工")
    page.check("input[name=member_type][value=senior]")
    page.select_option("#id_referral", "other")  # *推荐渠道 is required at CMES
    page.click("main form[method=post] button[type=submit]")
    walk_wizard(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))

    staff = desktop
    login(staff, base, "admin@cmes.test")
    staff.goto(f"{base}/review/")
    staff.locator("a", has_text="张高工").click()
    staff.click("button[value=approve]")
    staff.wait_for_url(re.compile(r".*/review/$"))

    page.goto(f"{base}/member/")
    assert "待缴费" in page.locator(".status-label").inner_text()
    page.click("a:has-text('缴纳会费')")
    page.check("input[name=years][value='3']")
    page.click("main form[method=post] button[type=submit]")
    assert "¥300" in page.locator(".amount").first.inner_text()
    page.click("button:has-text('微信支付')")
    assert page.locator(".qr svg").count() == 1
    screenshot(page, "cmes-wechat-qr")
    scan_url = page.locator("a.qr-link").get_attribute("href")

    payer_phone = page.context.new_page()  # the payer's phone scans the code
    payer_phone.goto(scan_url)
    assert "¥300.00" in payer_phone.content()
    payer_phone.click("button:has-text('确认支付')")
    assert "支付成功" in payer_phone.content()

    page.wait_for_url(re.compile(r".*/member/orders/\d+/$"), timeout=15000)
    assert "已确认" in page.locator(".order-status").inner_text()
    page.goto(f"{base}/member/")
    number = page.locator(".member-number").inner_text()
    assert re.fullmatch(r"E\d{9}S", number), number
    valid = page.locator(".member-card").inner_text()
    assert f"{__import__('datetime').date.today().year + 2}-12-31" in valid  # 3 years

    # then the invoice details, as the manual says; finance issues the e-receipt
    page.goto(f"{base}/member/orders/")
    page.locator("tbody a").first.click()
    page.fill("#id_title", "机械工业出版社")
    page.fill("#id_tax_id", USCC)
    page.fill("#id_address", "北京市西城区百万庄大街22号")
    page.fill("#id_postcode", "100037")
    page.click("#invoice button[type=submit]")
    assert "已申请" in page.locator(".invoice-status").inner_text()
    order_url = page.url
    staff.goto(f"{base}/finance/invoices/")
    staff.locator("a", has_text="机械工业出版社").click()
    staff.set_input_files("input[name=file]", files=[{
        "name": "电子票据.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    staff.click("main form button[type=submit]")
    page.goto(order_url)
    assert "已开具" in page.locator(".invoice-status").inner_text()
    screenshot(page, "cmes-invoice-issued")


def test_cmes_member_renews_for_three_years(server, payment_gateway, cmes_member, phone):
    import datetime as dt

    base = f"http://cmes.localhost:{server}"
    page = phone
    login(page, base, *cmes_member)
    page.goto(f"{base}/member/")
    year = dt.date.today().year
    assert page.locator(".valid-until").inner_text() == f"{year}-12-31"
    page.click("a:has-text('续费')")
    page.check("input[name=years][value='3']")
    assert "¥150" in page.locator("main").inner_text()
    page.click("main form[method=post] button[type=submit]")
    page.click("button:has-text('微信支付')")
    payer_phone = page.context.new_page()
    payer_phone.goto(page.locator("a.qr-link").get_attribute("href"))
    payer_phone.click("button:has-text('确认支付')")
    page.wait_for_url(re.compile(r".*/member/orders/\d+/$"), timeout=15000)
    page.goto(f"{base}/member/")
    assert page.locator(".valid-until").inner_text() == f"{year + 3}-12-31"
    screenshot(page, "cmes-renewed")
