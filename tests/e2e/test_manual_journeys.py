"""Whole join journeys, one per manual (issue 9 "Done when"): sign up on the association's
site, apply, pass every review step as staff the HQ administrator invited on the staff page,
pay, and reach the member centre as an active member with a number; every SMS, email and
in-site message sent on the way is checked (delivered to the right person, no placeholder
left, no English sentence in a Chinese message). Expected texts are the manuals' and the
profiles' own words, written out here by hand."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.e2e.journeys import Journey, pay_by_transfer, pay_online
from tests.e2e.test_join_journey import signup, walk_wizard

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def account(blocker, slug: str, **lookup) -> tuple[str, str, str]:
    """(inbox address = the account's id, its phone, its email) of an applicant."""
    from tenant_apps.accounts.models import User

    with blocker.unblock(), schema_context(slug):
        user = User.objects.get(**lookup)
    connection.set_schema_to_public()
    return str(user.pk), user.phone or "", user.email or ""


def submit(page) -> None:
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))


def member_number(page, base: str) -> str:
    page.goto(f"{base}/member/")
    assert "有效" in page.locator("main").inner_text() or page.locator(
        ".valid-until").count(), page.locator("main").inner_text()
    return page.locator(".member-number").inner_text().strip()


def every_channel(event: str, inbox: str, phone: str, email: str) -> list[tuple]:
    found = [(event, "inbox", inbox)]
    if phone:
        found.append((event, "sms", phone))
    if email:
        found.append((event, "email", email))
    return found


# --- a. CMES: senior member (review, then pay) and regular member (pay, then review) ------

@pytest.fixture(scope="session")
def cmes_journey(demo_tenants, payment_gateway, django_db_blocker):
    """A CMES association of the journey's own (other tests edit the demo CMES's review
    chain and fees), its WeChat Pay and Alipay accounts on the fake gateway (committed)."""
    from tenant_apps.billing.tests.online import connect_accounts
    from tenants.models import Association
    from tenants.services import association_create
    from tests.harness import PASSWORD

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        if not Association.objects.filter(slug="jcmes").exists():
            association_create(acting_user=None, name="中国机械工程学会", slug="jcmes",
                               profile="cmes", admin_name="管理员",
                               admin_email="admin@jcmes.test", admin_password=PASSWORD)
        with schema_context("jcmes"):
            connect_accounts(payment_gateway)
        connection.set_schema_to_public()
    return "jcmes"


def test_cmes_senior_and_regular_members(server, cmes_journey, sms_gateway, phone, desktop,
                                         django_db_blocker):
    journey = Journey(cmes_journey, server, sms_gateway, django_db_blocker).begin()
    base = journey.base
    admin = desktop
    login(admin, base, "admin@jcmes.test")
    reviewer = journey.invite(admin, name="会员工作组审核员", roles=["reviewer"],
                              phone="13888000001", role_label="审核员")
    invited = [("staff_invited", "sms", "13888000001")]

    # Senior: 会员审核 before payment, then three years by WeChat Pay.
    signup(phone, base, sms_gateway, phone="13888000011", name="周高工")
    phone.check("input[name=member_type][value=senior]")
    phone.select_option("#id_referral", "other")  # *推荐渠道 is required at CMES
    phone.click("main form[method=post] button[type=submit]")
    walk_wizard(phone)
    submit(phone)
    assert "待会员审核" in phone.locator(".status-label").inner_text()
    staff = desktop
    journey.as_staff(staff, reviewer)
    journey.review(staff, "周高工", step="会员审核")
    phone.goto(f"{base}/member/")
    assert "待缴费" in phone.locator(".status-label").inner_text()
    pay_online(phone, base, "微信支付", "300.00", years="3")
    senior = member_number(phone, base)
    assert re.fullmatch(r"E\d{9}S", senior), senior
    screenshot(phone, "journey-cmes-senior-member")

    inbox, mobile, email = account(django_db_blocker, cmes_journey, phone="13888000011")
    expected = invited + [m for event in ("application_submitted", "application_approved",
                                          "payment_required", "payment_confirmed",
                                          "member_activated")
                          for m in every_channel(event, inbox, mobile, email)]
    journey.check_messages(expected)
    assert journey.message("application_submitted", "sms", mobile)["body"] == (
        "您的高级会员注册申请已经收到，学会将尽快审核，审核结果将另行通知。如有问题可咨询"
        "010-68799026。")
    assert journey.message("payment_required", "sms", mobile)["body"] == (
        "请登录会员系统点击“缴纳会费”，交纳高级会员会费100元（1年）。")
    assert journey.message("payment_confirmed", "sms", mobile)["body"] == (
        "您交纳的会费300元已确认，感谢您对中国机械工程学会的支持。")
    assert journey.message("member_activated", "sms", mobile)["body"] == (
        f"您已成功申请中国机械工程学会高级会员，会员号：{senior}。感谢您加入中国机械工程学会。"
        "如有问题可联系：010-68799026 huiyuan@cmes.org")
    welcome = journey.message("member_activated", "inbox", inbox)
    assert welcome["inbox"][0] == "注册成功"
    assert f"会员号：{senior}，会籍有效期至" in welcome["inbox"][1]

    # Regular: pay one year by Alipay first, then 会员审核.
    journey.begin()
    phone.context.clear_cookies()
    signup(phone, base, sms_gateway, phone="13888000012", name="吴工程师")
    phone.check("input[name=member_type][value=regular]")
    phone.select_option("#id_referral", "other")  # *推荐渠道 is required at CMES
    phone.click("main form[method=post] button[type=submit]")
    walk_wizard(phone)
    submit(phone)
    assert "待缴费" in phone.locator(".status-label").inner_text()
    pay_online(phone, base, "支付宝", "50.00")
    phone.goto(f"{base}/member/")
    assert "待会员审核" in phone.locator(".status-label").inner_text()
    journey.review(staff, "吴工程师", step="会员审核")
    regular = member_number(phone, base)
    assert re.fullmatch(r"E\d{9}M", regular), regular

    inbox, mobile, email = account(django_db_blocker, cmes_journey, phone="13888000012")
    journey.check_messages([m for event in ("payment_required", "payment_confirmed",
                                            "member_activated")
                            for m in every_channel(event, inbox, mobile, email)])
    assert journey.message("payment_required", "sms", mobile)["body"] == (
        "请登录会员系统点击“缴纳会费”，交纳普通会员会费50元（1年）。")
    assert journey.message("member_activated", "sms", mobile)["body"] == (
        f"您已成功申请中国机械工程学会普通会员，会员号：{regular}。感谢您加入中国机械工程学会。"
        "如有问题可联系：010-68799026 huiyuan@cmes.org")


# --- b. A generic society onboarded fresh, reviewed by its branch ---------------------------

def test_generic_society_onboarded_then_a_member_joins_through_a_branch(
        server, sms_gateway, desktop, phone, django_db_blocker, created_by_browser):
    from tests.harness import PASSWORD

    created_by_browser.append("jrsoc")
    console = desktop
    console.goto(f"http://localhost:{server}/login/")
    console.fill("input[name=username]", "operator")
    console.fill("input[name=password]", PASSWORD)
    console.click("button[type=submit]")
    console.wait_for_url("**/console/")
    console.click("text=开通协会")
    console.fill("input[name=name]", "华夏测试学会")
    console.fill("input[name=slug]", "jrsoc")
    console.select_option("select[name=profile]", "generic")
    console.fill("input[name=admin_name]", "学会管理员")
    console.fill("input[name=admin_email]", "admin@jrsoc.test")
    console.fill("input[name=bank_account_name]", "华夏测试学会")
    console.fill("input[name=bank_account_number]", "6222000033334444")
    console.fill("input[name=bank_bank_name]", "建设银行北京分行")
    console.click("button[type=submit]")
    assert "华夏测试学会 已开通" in console.locator("h1").inner_text()
    activation = console.locator("code.break").inner_text()

    journey = Journey("jrsoc", server, sms_gateway, django_db_blocker).begin()
    base = journey.base
    admin = desktop
    admin.goto(activation)
    admin.fill("input[name=new_password1]", "Jr-admin-passw0rd")
    admin.fill("input[name=new_password2]", "Jr-admin-passw0rd")
    admin.click("button[type=submit]")
    admin.wait_for_url("**/login/?activated=1")
    login(admin, base, "admin@jrsoc.test", "Jr-admin-passw0rd")
    branch_admin = journey.invite(admin, name="华东分会秘书长", roles=["branch_admin"],
                                  email="east@jrsoc.test", branches=("east",),
                                  role_label="分会管理员")
    finance = journey.invite(admin, name="学会出纳", roles=["finance"], phone="13888000021",
                             role_label="财务")

    page = phone
    page.goto(f"{base}/signup/")
    page.fill("input[name=name]", "郑会员")
    page.fill("input[name=email]", "zheng@example.test")
    if page.locator("input[name=phone]").count():
        page.fill("input[name=phone]", "13888000022")
    page.fill("input[name=password1]", "Join-2026-pass")
    page.fill("input[name=password2]", "Join-2026-pass")
    from tests.e2e.conftest import solve_slider

    solve_slider(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()
    page.select_option("select[name=branch]", "east")
    page.click("main form[method=post] button[type=submit]")
    walk_wizard(page)
    submit(page)
    assert "待分会审" in page.locator(".status-label").inner_text()

    staff = desktop
    journey.as_staff(staff, branch_admin)
    journey.review(staff, "郑会员", step="入会审核")
    page.goto(f"{base}/member/")
    assert "待缴费" in page.locator(".status-label").inner_text()
    reference = pay_by_transfer(page, base, payer="郑会员")
    journey.as_staff(staff, finance)
    journey.confirm_voucher(staff, reference)
    number = member_number(page, base)
    assert re.fullmatch(r"M\d{6}", number), number
    screenshot(page, "journey-generic-member")

    inbox, _mobile, email = account(django_db_blocker, "jrsoc", email="zheng@example.test")
    journey.check_messages([
        ("staff_invited", "email", "east@jrsoc.test"),
        ("staff_invited", "sms", "13888000021"),
        ("application_submitted", "email", email), ("application_submitted", "inbox", inbox),
        ("application_approved", "inbox", inbox), ("payment_required", "inbox", inbox),
        ("member_activated", "email", email), ("member_activated", "inbox", inbox)])
    assert journey.message("application_submitted", "email")["body"] == \
        "郑会员，您的入会申请已提交，请等待审核。"
    assert journey.message("payment_required", "inbox")["body"] == "请缴纳会费 100 元。"
    assert journey.message("member_activated", "email")["body"] == \
        f"郑会员，欢迎加入华夏测试学会！会员号：{number}。"


# --- c. CACEM unit: pay by transfer, finance confirms, the association approves -----------

def test_cacem_unit_joins_and_its_first_liaison_gets_the_approval_sms(
        server, sms_gateway, desktop, phone, django_db_blocker):
    journey = Journey("cacem", server, sms_gateway, django_db_blocker).begin()
    base = journey.base
    admin = desktop
    login(admin, base, "admin@cacem.test")
    finance = journey.invite(admin, name="协会财务", roles=["finance"], phone="13888000031",
                             role_label="财务")
    reviewer = journey.invite(admin, name="会员部审核员", roles=["reviewer"],
                              phone="13888000032", role_label="审核员")

    page = phone
    signup(page, base, sms_gateway, phone="13888000033", name="测试市政工程有限公司")
    page.check("input[name=member_type][value=unit]")
    page.select_option("select[name=rank]", "regular")
    page.click("main form[method=post] button[type=submit]")

    def liaisons(step):
        """Two liaisons, each with a mobile of their own: the approval SMS is the first's."""
        for i, (name, mobile) in enumerate((("张联络", "13888000034"),
                                            ("李联络", "13888000035"))):
            field = step.locator(f'[name="liaisons-{i}-liaison_name"]')
            if not field.count():
                return
            for sub, value in (("liaison_name", name), ("liaison_department", "办公室"),
                               ("liaison_position", "主任"), ("liaison_mobile", mobile),
                               ("liaison_email", f"liaison{i}@example.test")):
                step.fill(f'[name="liaisons-{i}-{sub}"]', value)

    walk_wizard(page, on_step=liaisons)
    submit(page)
    assert "待缴费" in page.locator(".status-label").inner_text()
    reference = pay_by_transfer(page, base, payer="测试市政工程有限公司")
    staff = desktop
    journey.as_staff(staff, finance)
    journey.confirm_voucher(staff, reference)
    page.goto(f"{base}/member/")
    assert "待入会审核" in page.locator(".status-label").inner_text()
    journey.as_staff(staff, reviewer)
    journey.review(staff, "测试市政工程有限公司", step="入会审核")
    number = member_number(page, base)
    assert re.fullmatch(r"CACEM\d{5}", number), number

    inbox, mobile, email = account(django_db_blocker, "cacem", phone="13888000033")
    first_liaison = "13888000034"  # 张联络, the 第一联络员 (李联络, the second, gets none)
    expected = [("staff_invited", "sms", "13888000031"), ("staff_invited", "sms", "13888000032")]
    expected += every_channel("payment_required", inbox, mobile, email)
    expected += every_channel("payment_confirmed", inbox, mobile, email)
    expected += [("member_activated", "sms", first_liaison),
                 ("member_activated", "inbox", inbox)]
    if email:
        expected.append(("member_activated", "email", email))
    journey.check_messages(expected)
    assert journey.message("member_activated", "sms")["address"] == first_liaison
    assert [m["params"]["name"] for m in journey.sent_sms()
            if m["template"] == "SMS_E2E_MEMBER_ACTIVATED"] == ["张联络"]
    assert journey.message("payment_required", "sms", mobile)["body"] == (
        "请交纳中国施工企业管理协会会费3,000元，汇款后请登录会员管理系统填写汇款信息。")
    assert journey.message("payment_confirmed", "sms", mobile)["body"] == (
        "已收到贵单位交纳的中国施工企业管理协会会费3,000元，电子票据将在7个工作日内推送至您的邮箱。")
    assert journey.message("member_activated", "sms", first_liaison)["body"] == (
        f"贵单位的入会申请已审核通过，会员号{number}。可登录会员系统在会员中心查看电子会员证。")


# --- d. CAQ unit: 资料审核, transfer confirmed by finance, 秘书处入会审批 ---------------------

def test_caq_unit_joins_through_the_secretariat(server, sms_gateway, desktop, phone,
                                                django_db_blocker):
    journey = Journey("caq", server, sms_gateway, django_db_blocker).begin()
    base = journey.base
    admin = desktop
    login(admin, base, "admin@caq.test")
    reviewer = journey.invite(admin, name="会员部审核员", roles=["reviewer"],
                              email="reviewer@caq.test", role_label="审核员")
    finance = journey.invite(admin, name="财务部出纳", roles=["finance"],
                             phone="13888000041", role_label="财务")
    secretariat = journey.invite(admin, name="秘书处李华", roles=["secretariat"],
                                 phone="13888000042", role_label="秘书处")

    page = phone
    signup(page, base, sms_gateway, phone="13888000043", name="测试认证咨询有限公司",
           email="unit@caq-applicant.test")
    page.check("input[name=member_type][value=unit]")
    page.click("main form[method=post] button[type=submit]")
    walk_wizard(page)
    submit(page)
    assert "待资料审核" in page.locator(".status-label").inner_text()
    staff = desktop
    journey.as_staff(staff, reviewer)
    journey.review(staff, "测试认证咨询有限公司", step="资料审核")
    reference = pay_by_transfer(page, base, payer="测试认证咨询有限公司")
    journey.as_staff(staff, finance)
    journey.confirm_voucher(staff, reference)
    page.goto(f"{base}/member/")
    assert "等待秘书处审批" in page.locator(".status-label").inner_text()
    journey.as_staff(staff, secretariat)
    journey.review(staff, "测试认证咨询有限公司", step="秘书处入会审批")
    number = member_number(page, base)
    assert re.fullmatch(r"\d{8}", number), number

    inbox, mobile, email = account(django_db_blocker, "caq", name="测试认证咨询有限公司")
    expected = [("staff_invited", "email", "reviewer@caq.test"),
                ("staff_invited", "sms", "13888000041"),
                ("staff_invited", "sms", "13888000042"),
                ("account_registered", "email", email)]
    for event in ("application_submitted", "application_approved", "payment_required",
                  "payment_confirmed", "member_activated"):
        expected += every_channel(event, inbox, mobile, email)
    journey.check_messages(expected)
    # CAQ writes to the registration email ("审核结果等通知将发送至此邮箱"): the unit's account
    # has no mobile, so its SMS templates reach nobody.
    assert not mobile
    site = "http://caq.localhost:" + str(server) + "/"
    assert journey.message("account_registered", "email", email)["body"] == (
        "测试认证咨询有限公司：\n\n您已成功注册中国质量协会会员系统，登录账号：测试认证咨询有限公司。\n"
        f"请登录会员系统（{site}）填写入会申请表，下载填写好的入会申请表打印盖章并上传，然后等待"
        "工作人员审核；审核通过后缴费，经秘书处入会审批后成为会员。\n"
        "登录后请确认您的邮箱是当下的有效邮箱，审核结果等通知将发送至此邮箱。")
    assert journey.message("application_approved", "email", email)["body"] == (
        f"测试认证咨询有限公司：\n\n您的入会申请资料已通过审核，请登录会员系统（{site}）按照"
        "流程提示缴纳会费5,000元。\n会员号将在缴费并经秘书处入会审批后生成。")
    assert journey.message("payment_confirmed", "email", email)["body"] == (
        "测试认证咨询有限公司：\n\n系统管理员已审批通过您的缴费申请（5,000元）。如需发票，请登录"
        f"会员系统（{site}）在订单页点击“申请开票”。")
    activated = journey.message("member_activated", "email", email)["body"]
    assert activated.startswith(
        "测试认证咨询有限公司：\n\n您的入会申请已经秘书处审批通过，会员类型：单位会员，"
        f"会员号：{number}，会员有效期至"), activated


# --- e. Jiangsu gas association, on phones -------------------------------------------------

def test_jsgas_unit_joins_on_a_phone(server, sms_gateway, browser, phone, django_db_blocker):
    journey = Journey("jsgas", server, sms_gateway, django_db_blocker).begin()
    base = journey.base
    staff_context = browser.new_context(viewport={"width": 390, "height": 844},
                                        locale="zh-CN", is_mobile=True, has_touch=True)
    staff = staff_context.new_page()
    login(staff, base, "admin@jsgas.test")
    approver = journey.invite(staff, name="协会秘书长", roles=["hq_admin"], phone="13888000051",
                              role_label="总会管理员")
    finance = journey.invite(staff, name="协会会计", roles=["finance"], phone="13888000052",
                             role_label="财务")

    page = phone
    signup(page, base, sms_gateway, phone="13888000053", name="江苏测试燃气有限公司")
    page.click("main form[method=post] button[type=submit]")  # the only member type
    walk_wizard(page)
    assert fits_the_screen(page)
    submit(page)
    assert "待入会审批" in page.locator(".status-label").inner_text()
    journey.as_staff(staff, approver)
    journey.review(staff, "江苏测试燃气有限公司", step="入会审批")
    reference = pay_by_transfer(page, base, payer="江苏测试燃气有限公司")
    assert fits_the_screen(page)
    journey.as_staff(staff, finance)
    journey.confirm_voucher(staff, reference)
    number = member_number(page, base)
    assert re.fullmatch(r"JSGH\d{5}", number), number
    # Jiangsu's validity rolls: a year from the day the money was confirmed, not 31 December.
    today = dt.date.today()
    assert page.locator(".valid-until").inner_text() == (
        today.replace(year=today.year + 1) - dt.timedelta(days=1)).isoformat()
    assert fits_the_screen(page)
    screenshot(page, "journey-jsgas-member-phone")
    staff_context.close()

    inbox, mobile, email = account(django_db_blocker, "jsgas", phone="13888000053")
    expected = [("staff_invited", "sms", "13888000051"), ("staff_invited", "sms", "13888000052")]
    for event in ("application_submitted", "application_approved", "payment_required",
                  "payment_confirmed", "member_activated"):
        expected += every_channel(event, inbox, mobile, email)
    journey.check_messages(expected)
    assert journey.message("application_approved", "sms", mobile)["body"] == \
        "尊敬的用户，您的入会资料审核成功，请登录会员中心缴纳会费。"
    assert journey.message("payment_required", "sms", mobile)["body"] == \
        "尊敬的用户，请对公转账交纳会费2,000元，转账后登录会员中心，在订单页上传凭证并点击“提交凭证”。"
    assert journey.message("member_activated", "sms", mobile)["body"] == \
        "尊敬的用户，您已入会成功（江苏省燃气热力协会）"
