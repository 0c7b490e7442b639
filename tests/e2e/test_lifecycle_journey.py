"""The membership lifecycle in Chromium (issue 10 "Done when"), by the CMES manual: "会员须每年
按时交纳会费。逾期半年不交会费将停止享受会员享有的服务和权益。逾期一年不交会费者将按自动放弃
会员资格处理。"

Two CMES members whose validity ended last 31 December: 王补缴 (普通会员, 50 元/年) and 李失效
(高级会员, 100 元/年, joined by an application through the real services). The nightly job
(`manage.py membership_lifecycle --today ... --association ...`, run twice each night, with the
server's SMS gateway and port) moves them through the year: reminders before the end, overdue
the day after, a month's notice, suspended 7 months on, a month's notice, lapsed after 12.
Each reminder reaches each of them once, by SMS, email and inbox, in Chinese, every variable
filled. At 7 months both are shown 已暂停 in the member centre (certificate 已暂停, 变更级别
closed with the reason, 补缴欠费 offered); 王补缴 pays the arrears by bank transfer, finance
confirms, and he is 正式会员 again with the new validity, the years on the fee record. 李失效
lapses at 12 months (已失效, CMES's `after_lapse: reapply`: 申请入会) and applies anew.

The browser shows what the server knows today; the job runs on the dates it is given. The
member's validity ended on 31 December of last year (the server's today is this year), so
the expected dates are written from the year: `LAST`, `THIS`, `NEXT`."""

from __future__ import annotations

import datetime as dt
import re
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import SMS_TEMPLATES
from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.e2e.journeys import STAFF_PASSWORD, Journey, pay_by_transfer
from tests.e2e.test_join_journey import walk_wizard

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SLUG = "lcmes"
WANG = {"name": "王补缴", "phone": "13600000301", "email": "wang@lcmes-member.test",
        "password": "Wang-2026-renew"}
LI = {"name": "李失效", "phone": "13600000302", "email": "li@lcmes-member.test",
      "password": "Li-2026-lapsed"}
# A fresh association: the first number of each type (prefix E, 9 digits, M / S).
WANG_NUMBER, LI_NUMBER = "E000000001M", "E000000001S"

THIS = timezone.localdate().year
LAST, NEXT = THIS - 1, THIS + 1


@pytest.fixture(scope="module")
def lapsing_cmes(demo_tenants, django_db_blocker):
    """A CMES association of the test's own (the demo CMES has members of other tests the job
    would move), with a reviewer and finance, and the two members, valid until last 31
    December (committed; the association is dropped afterwards)."""
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.applications.services import (
        application_payment_confirmed,
        application_start,
        application_submit,
        review_decide,
    )
    from tenant_apps.applications.tests.helpers import complete
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.models import Membership, MembershipPeriod
    from tenant_apps.memberships.services import membership_activate
    from tenants.models import Association
    from tenants.services import association_create, association_delete
    from tests.harness import PASSWORD

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for stale in Association.objects.filter(slug=SLUG):  # a reused test database
            association_delete(acting_user=None, association=stale)
        association_create(acting_user=None, name="中国机械工程学会", slug=SLUG, profile="cmes",
                           admin_name="管理员", admin_email=f"admin@{SLUG}.test",
                           admin_password=PASSWORD)
        with schema_context(SLUG):
            reviewer = user_create(acting_user=None, name="会员工作组", username="lc-reviewer",
                                   password=STAFF_PASSWORD, roles=[Role.REVIEWER])
            user_create(acting_user=None, name="学会出纳", username="lc-finance",
                        password=STAFF_PASSWORD, roles=[Role.FINANCE])
            # 王补缴: a regular member since 1 March last year, one year paid (to 31 December).
            wang = user_create(acting_user=None, **WANG)
            membership_activate(acting_user=None, user=wang, rank=None, years=1,
                                member_type=MemberType.objects.get(code="regular"),
                                start=dt.date(LAST, 3, 1))
            # 李失效: a senior member by application (会员审核, then the fee), moved to last
            # year as if he had joined on 2 July then.
            li = user_create(acting_user=None, **LI)
            app = application_start(applicant=li,
                                    member_type=MemberType.objects.get(code="senior"))
            complete(app)
            app = application_submit(application=app, actor=li)
            app = review_decide(application=app, actor=reviewer, decision="approve",
                                expected_position=app.review_position)
            app = application_payment_confirmed(application=app, actor=None)
            joined, ended = dt.date(LAST, 7, 2), dt.date(LAST, 12, 31)
            Membership.objects.filter(user=li).update(valid_from=joined, valid_until=ended)
            MembershipPeriod.objects.filter(membership__user=li).update(starts_on=joined,
                                                                        ends_on=ended)
            numbers = dict(Membership.objects.values_list("user__name", "number"))
            assert numbers == {"王补缴": WANG_NUMBER, "李失效": LI_NUMBER}, numbers
        connection.set_schema_to_public()
    yield SLUG
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for association in Association.objects.filter(slug=SLUG):
            association_delete(acting_user=None, association=association)
        connection.close()  # see created_by_browser in conftest.py


def night(journey: Journey, day: str) -> list[str]:
    """The nightly job, run twice as of `day`, as the deployment runs it: the server's SMS
    provider (the fake gateway, each event's template code) and its address in the links."""
    sms = {"access_key_id": "e2e-key", "access_key_secret": "e2e-secret",
           "sign_name": "会籍", "endpoint": journey.gateway.url}
    templates = dict(pair.split("=") for pair in SMS_TEMPLATES.split(";"))
    printed, failed = [], []

    def job():
        # A thread of its own, so a database connection of its own: the job commits as the
        # nightly one does (this test's own connection is inside the test's transaction).
        try:
            for _ in range(2):
                out = StringIO()
                call_command("membership_lifecycle", today=day, association=SLUG, stdout=out)
                printed.append(out.getvalue())
        except BaseException as exc:  # raised again below, in the test's thread
            failed.append(exc)
        finally:
            connections.close_all()

    with override_settings(SMS_BACKEND="aliyun", SMS_OPTIONS=sms, SMS_TEMPLATES=templates,
                           DEV_SERVER_PORT=journey.server), journey.blocker.unblock():
        thread = threading.Thread(target=job)
        thread.start()
        thread.join()
    if failed:
        raise failed[0]
    return printed


def to_both(event: str, people=(WANG, LI)) -> list[tuple[str, str, str]]:
    return [m for who in people for m in to(event, who)]


def to(event: str, who: dict) -> list[tuple[str, str, str]]:
    return [(event, "sms", who["phone"]), (event, "email", who["email"]),
            (event, "inbox", who["inbox"])]


def sms_body(journey: Journey, event: str, who: dict) -> str:
    return journey.message(event, "sms", who["phone"])["body"]


def member_card(page, base: str) -> dict:
    page.goto(f"{base}/member/")
    card = page.locator(".member-card")
    action = page.locator(".next-action")
    return {"status": card.locator(".membership-status").inner_text().strip(),
            "certificate": card.locator(".certificate-state").inner_text().strip(),
            "valid_until": card.locator(".valid-until").inner_text().strip(),
            "number": card.locator(".member-number").inner_text().strip(),
            "action": action.inner_text().strip() if action.count() else None,
            "level_change": page.locator("a[href$='/member/level-change/']").count() > 0}


def fee_rows(page, base: str) -> list[tuple[str, ...]]:
    page.goto(f"{base}/member/fees/")
    return [tuple(cell.inner_text().strip() for cell in row.locator("td").all()[:4])
            for row in page.locator("table.fee-record tbody tr").all()]


def test_a_cmes_member_is_suspended_renews_and_another_lapses_and_applies_anew(
        server, lapsing_cmes, sms_gateway, phone, desktop, django_db_blocker):
    journey = Journey(lapsing_cmes, server, sms_gateway, django_db_blocker)
    base = journey.base
    renew = f"{base}/member/renew/"
    from tenant_apps.accounts.models import User

    with django_db_blocker.unblock(), schema_context(SLUG):
        for who in (WANG, LI):
            who["inbox"] = str(User.objects.get(phone=who["phone"]).pk)
    connection.set_schema_to_public()

    # --- before the end: 30 and 7 days' notice (CMES's templates) ------------------------------
    journey.begin()
    night(journey, f"{LAST}-12-01")
    journey.check_messages(to_both("renewal_due"))
    assert sms_body(journey, "renewal_due", WANG) == (
        f"您的中国机械工程学会会籍（会员号{WANG_NUMBER}）将于{LAST}-12-31到期，请登录会员系统"
        "点击“我要续费”。逾期半年不交会费将停止享受会员服务和权益。")
    inbox = journey.message("renewal_due", "inbox", LI["inbox"])["inbox"]
    assert inbox == ("会籍即将到期", f"您的会籍将于{LAST}-12-31到期，请点击“我要续费”交纳会费。")
    journey.begin()
    night(journey, f"{LAST}-12-02")  # still in the 30-day window: sent already
    night(journey, f"{LAST}-12-24")  # 7 days before
    journey.check_messages(to_both("renewal_due"))

    # --- the day after: overdue (grace), told once ------------------------------------------
    journey.begin()
    night(journey, f"{THIS}-01-01")
    journey.check_messages(to_both("membership_overdue"))
    assert sms_body(journey, "membership_overdue", WANG) == (
        f"王补缴，您的普通会员会籍（会员号{WANG_NUMBER}）已于{LAST}-12-31到期，请交纳会费50元"
        f"续费：{renew}")
    assert sms_body(journey, "membership_overdue", LI) == (
        f"李失效，您的高级会员会籍（会员号{LI_NUMBER}）已于{LAST}-12-31到期，请交纳会费100元"
        f"续费：{renew}")
    assert journey.message("membership_overdue", "email", WANG["email"])["subject"] == \
        "会籍已到期，请续费"

    # --- a month before the services stop, then 7 months unpaid: suspended -------------------
    journey.begin()
    night(journey, f"{THIS}-06-01")
    journey.check_messages(to_both("suspension_due"))
    assert sms_body(journey, "suspension_due", WANG) == (
        f"王补缴，您的普通会员会籍（会员号{WANG_NUMBER}）已于{LAST}-12-31到期且未交会费，将于"
        f"{THIS}-07-01起停止享受会员服务和权益。请及时续费：{renew}")
    journey.begin()
    night(journey, f"{THIS}-06-30")  # the last day of the grace: nothing new
    night(journey, f"{THIS}-07-31")
    journey.check_messages(to_both("membership_suspended"))
    assert sms_body(journey, "membership_suspended", LI) == (
        f"李失效，您的高级会员会籍（会员号{LI_NUMBER}）自{LAST}-12-31到期后未交会费，已停止享受"
        f"会员服务和权益，续费后恢复：{renew}")
    assert journey.message("membership_suspended", "inbox", WANG["inbox"])["inbox"][0] == \
        "会员服务已暂停"

    # --- in the browser, 7 months on: 已暂停 ------------------------------------------------
    page = phone
    login(page, base, WANG["phone"], WANG["password"])
    assert member_card(page, base) == {
        "status": "已暂停", "certificate": "已暂停", "valid_until": f"{LAST}-12-31",
        "number": WANG_NUMBER, "action": "补缴欠费", "level_change": False}
    assert fits_the_screen(page)
    screenshot(page, "lifecycle-suspended-phone")
    closed = page.goto(f"{base}/member/level-change/")
    assert closed.status == 403
    assert page.locator("h1").inner_text() == "会员服务已暂停"
    assert "您的会籍状态为“已暂停”：在会籍恢复有效前，会员服务和权益已停止。" in \
        page.locator("main").inner_text()
    assert page.locator(".next-action").inner_text() == "补缴欠费"  # the way back
    assert fee_rows(page, base) == [(str(LAST), "已支付", "—", "—"),
                                    (str(THIS), "欠费", "¥50", "—")]

    # 王补缴 pays the arrears (this year) and the next year by bank transfer.
    journey.begin()
    page.goto(f"{base}/member/")
    page.click(".next-action")
    page.wait_for_url(re.compile(r".*/member/renew/$"))
    offered = [o.inner_text().replace("\n", " ").strip()
               for o in page.locator("label.option-card").all()]
    # each option with the validity it buys, from the day after the old end (last 31 Dec)
    assert offered == [f"1 年 ¥50  会籍有效期至 {THIS}-12-31",
                       f"2 年 ¥100  会籍有效期至 {NEXT}-12-31",
                       f"3 年 ¥150  会籍有效期至 {THIS + 2}-12-31",
                       f"4 年 ¥200  会籍有效期至 {THIS + 3}-12-31",
                       f"5 年 ¥250  会籍有效期至 {THIS + 4}-12-31"], offered
    assert f"自 {THIS}-01-01 起未缴费：须先补缴至少 1 年欠费。" in page.locator("main").inner_text()
    page.check("input[name=years][value='2']")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/orders/\w+/$"))
    assert page.locator(".amount").inner_text() == "¥100"
    reference = page.locator(".transfer-ref strong").inner_text()
    from tests.e2e.conftest import PNG

    page.set_input_files("input[name=file]", files=[{
        "name": "汇款回单.png", "mimeType": "image/png", "buffer": PNG}])
    page.fill("input[name=payer_name]", "王补缴")
    page.click("#voucher-form button[type=submit]")
    assert "待确认收款" in page.locator(".order-status").inner_text()
    journey.as_staff(desktop, "lc-finance")
    journey.confirm_voucher(desktop, reference)
    assert member_card(page, base) == {
        "status": "正式会员", "certificate": "有效", "valid_until": f"{NEXT}-12-31",
        "number": WANG_NUMBER, "action": "我要续费", "level_change": True}
    assert fee_rows(page, base) == [(str(LAST), "已支付", "—", "—"),
                                    (str(THIS), "已支付", "¥50", "银行转账"),
                                    (str(NEXT), "已支付", "¥50", "银行转账")]
    screenshot(page, "lifecycle-renewed-phone")
    journey.check_messages(to("payment_confirmed", WANG))
    assert sms_body(journey, "payment_confirmed", WANG) == \
        "您交纳的会费100元已确认，感谢您对中国机械工程学会的支持。"

    # 李失效 is suspended too, and offered the arrears at his fee.
    page.context.clear_cookies()
    login(page, base, LI["phone"], LI["password"])
    card = member_card(page, base)
    assert (card["status"], card["certificate"], card["action"]) == ("已暂停", "已暂停", "补缴欠费")

    # --- a month before lapsing, then 12 months unpaid: lapsed (李失效 only) ------------------
    journey.begin()
    night(journey, f"{THIS}-12-02")
    journey.check_messages(to("lapse_due", LI))
    assert sms_body(journey, "lapse_due", LI) == (
        f"李失效，您的高级会员会籍（会员号{LI_NUMBER}）自{LAST}-12-31到期后未交会费，将于"
        f"{NEXT}-01-01失效。请及时续费：{renew}")
    journey.begin()
    night(journey, f"{THIS}-12-31")
    night(journey, f"{NEXT}-01-01")
    journey.check_messages(to("membership_lapsed", LI))
    assert sms_body(journey, "membership_lapsed", LI) == (
        f"您的中国机械工程学会会籍（会员号{LI_NUMBER}）因逾期一年未交会费，已按自动放弃会员资格"
        "处理。如有问题可咨询010-68799026。")
    assert journey.message("membership_lapsed", "email", LI["email"])["body"] == (
        f"李失效，您好：\n\n您的高级会员会籍（会员号：{LI_NUMBER}）已于{LAST}-12-31到期，逾期一年"
        f"未交纳会费，已按自动放弃会员资格处理。\n如需重新入会，请访问{base}/。如有问题可咨询："
        "010-68799026，huiyuan@cmes.org")
    assert member_card(page, base) == {
        "status": "已失效", "certificate": "已失效", "valid_until": f"{LAST}-12-31",
        "number": LI_NUMBER, "action": "申请入会", "level_change": False}
    assert page.locator("a[href$='/member/withdraw/']").count() == 0
    screenshot(page, "lifecycle-lapsed-phone")
    # nothing is owed any more (自动放弃会员资格): this year is 未缴费, no 补缴欠费
    assert fee_rows(page, base) == [(str(LAST), "已支付", "—", "—"),
                                    (str(THIS), "未缴费", "—", "—")]
    assert page.locator("a[href$='/member/renew/']").count() == 0
    page.goto(f"{base}/member/")

    # 申请入会: a new application (CMES after_lapse: reapply), not a renewal.
    journey.begin()
    page.click(".next-action")
    page.wait_for_url(re.compile(r".*/apply/$"))
    page.check("input[name=member_type][value=regular]")
    page.select_option("#id_referral", "other")  # *推荐渠道 is required at CMES
    page.click("main form[method=post] button[type=submit]")
    walk_wizard(page)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r".*/member/"))
    page.goto(f"{base}/member/")
    # the old membership as it is, the new application under it, with its next step
    assert page.locator(".member-card .membership-status").inner_text() == "已失效"
    assert page.locator(".next-action").count() == 0
    assert page.locator(".join-application .status-label").inner_text() == "待缴费"
    screenshot(page, "lifecycle-reapplied-phone")
    reference = pay_by_transfer(page, base, payer="李失效")
    journey.as_staff(desktop, "lc-finance")
    journey.confirm_voucher(desktop, reference)
    page.goto(f"{base}/member/")
    assert page.locator(".join-application .status-label").inner_text() == "待会员审核"
    journey.as_staff(desktop, "lc-reviewer")
    journey.review(desktop, "李失效", step="会员审核")
    # a member again: the same account, the next number of the type (never the old one)
    assert member_card(page, base) == {
        "status": "正式会员", "certificate": "有效", "valid_until": f"{THIS}-12-31",
        "number": "E000000002M", "action": "我要续费", "level_change": True}
    assert fee_rows(page, base) == [(str(LAST), "已支付", "—", "—"),
                                    (str(THIS), "已支付", "¥50", "银行转账")]
    screenshot(page, "lifecycle-rejoined-phone")
    journey.check_messages([m for event in ("payment_required", "payment_confirmed",
                                            "member_activated") for m in to(event, LI)])
    assert sms_body(journey, "member_activated", LI) == (
        "您已成功申请中国机械工程学会普通会员，会员号：E000000002M。感谢您加入中国机械工程学会。"
        "如有问题可联系：010-68799026 huiyuan@cmes.org")
