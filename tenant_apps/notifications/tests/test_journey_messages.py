"""The messages a member of each demo association receives on the way to membership, read as
they would read them: every placeholder filled, all in Chinese, true at the moment they are
sent, to the right person, with the amount of the order they made."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import account_signup, user_create
from tenant_apps.applications.engine import form_steps
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import (
    application_save_step,
    application_start,
    application_submit,
    chain_of,
    review_decide,
    type_doc,
)
from tenant_apps.applications.tests.helpers import PDF, PNG, applicant, complete
from tenant_apps.billing.invoices import invoice_issue, invoice_request
from tenant_apps.billing.services import (
    order_for_application,
    order_for_renewal,
    voucher_decide,
    voucher_upload,
)
from tenant_apps.billing.tests.online import connect_bank
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.services import membership_activate
from tenant_apps.notifications.models import OutboxMessage
from tenant_apps.notifications.services import outbox_send
from tenant_apps.notifications.tests.messages import problems
from tenants.models import Association
from tenants.profiles import load_profile
from tenants.services import association_create

ROLE_OF_STEP = {"hq_reviewer": Role.REVIEWER, "hq_admin": Role.HQ_ADMIN,
                "finance": Role.FINANCE, "secretariat": Role.SECRETARIAT}


@pytest.fixture
def demo(db):
    """A demo association from its profile, under its real name, inside the test's
    transaction."""
    def make(slug: str) -> str:
        if not Association.objects.filter(slug=slug).exists():
            association_create(acting_user=None, name=load_profile(slug)["association"]["name"],
                               slug=slug, profile=slug, admin_name="管理员",
                               admin_email=f"admin@{slug}.test",
                               admin_password="Admin-passw0rd-2026")
        return slug
    return make


def _staff():
    return {role: user_create(acting_user=None, name=f"{role}", username=f"staff-{role}",
                              password="Staff-passw0rd-2026", roles=[role])
            for role in ROLE_OF_STEP.values()}


def _messages(user, **filters) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(recipient=user, **filters).order_by("id"))


def _pay(app, staff, years: int):
    order = order_for_application(application=app, actor=app.applicant, years=years)
    connect_bank()  # transfers need the association's bank account
    voucher = voucher_upload(order=order, actor=app.applicant,
                             uploaded=SimpleUploadedFile("v.png", PNG))
    voucher_decide(voucher=voucher, actor=staff[Role.FINANCE], accept=True)
    return order


def _walk(app, staff, *, years: int = 1, seen: list | None = None):
    """Submit and take the application through its own chain to membership, recording
    the messages sent at each step: [(status before, [events])]."""
    steps = []
    done = OutboxMessage.objects.filter(recipient=app.applicant).count()
    app = application_submit(application=app, actor=app.applicant)
    for _ in range(10):
        messages = _messages(app.applicant)[done:]
        done += len(messages)
        steps.append((app.status, messages))
        if app.status == Status.COMPLETED:
            break
        if app.status == Status.AWAITING_PAYMENT:
            _pay(app, staff, years)
        else:
            step = chain_of(app)[app.review_position]
            review_decide(application=app, actor=staff[ROLE_OF_STEP[step["role"]]],
                          decision="approve", expected_position=app.review_position)
        app.refresh_from_db()
    assert app.status == Status.COMPLETED
    return app, steps


def _start(code: str, *, rank: str | None = None, who=None):
    mtype = MemberType.objects.get(code=code)
    app = application_start(applicant=who or applicant(), member_type=mtype,
                            rank=mtype.ranks.get(code=rank) if rank else None)
    complete(app)
    return app


def _read_all(user) -> None:
    """Every message the member got: filled and in Chinese."""
    for message in _messages(user):
        assert not problems(message), (message.event, message.channel, message.body,
                                       problems(message))


@pytest.mark.parametrize(("slug", "code", "rank"), [
    ("cmes", "student", None), ("cmes", "regular", None), ("cmes", "senior", None),
    ("cacem", "unit", "council"), ("caq", "unit", "regular"), ("caq", "individual", None),
    ("jsgas", "unit", None)])
def test_every_message_of_every_journey_is_filled_and_chinese(demo, slug, code, rank):
    with schema_context(demo(slug)):
        app, _steps = _walk(_start(code, rank=rank), _staff())
        assert {m.channel for m in _messages(app.applicant)} >= {"email", "inbox"}
        _read_all(app.applicant)


def test_cmes_student_is_welcomed_and_not_told_to_complete_the_application(demo):
    with schema_context(demo("cmes")):
        _app, steps = _walk(_start("student"), _staff())
        assert len(steps) == 1  # a member at once
        messages = steps[0][1]
        assert {m.event for m in messages} == {"member_activated"}
        inbox = next(m for m in messages if m.channel == "inbox")
        assert inbox.subject == "注册成功"
        assert inbox.body == ("您已成功申请中国机械工程学会学生会员，会员号：E000000001T，"
                              "会籍有效期至2027-06-30。可在会员中心查看电子版会员证。")
        assert not any("注册申请已经收到" in m.body or "后续" in m.body for m in messages)


def test_cmes_regular_is_not_told_approved_before_review_and_reads_the_order_amount(demo):
    with schema_context(demo("cmes")):
        app, steps = _walk(_start("regular"), _staff(), years=3)
        before_review = [m for status, ms in steps[:2] for m in ms]  # submit, then payment
        assert before_review and not any("审核通过" in m.body or "已通过" in m.body
                                         for m in before_review)
        sms = next(m for m in before_review if m.event == "payment_required"
                   and m.channel == "sms")
        assert sms.body == ("请登录会员系统点击“缴纳会费”，"
                            "交纳普通会员会费50元（1年）。")
        confirmed = next(m for m in _messages(app.applicant, event="payment_confirmed",
                                              channel="sms"))
        # the 3-year order the member made at 50 yuan a year
        assert confirmed.body == "您交纳的会费150元已确认，感谢您对中国机械工程学会的支持。"
        assert app.membership.valid_until.year == app.membership.valid_from.year + 2
        _read_all(app.applicant)


def test_cmes_senior_is_told_approved_then_to_pay(demo):
    with schema_context(demo("cmes")):
        _app, steps = _walk(_start("senior"), _staff())
        assert [sorted({m.event for m in ms}) for _status, ms in steps] == [
            ["application_submitted"],
            ["application_approved", "payment_required"],
            ["member_activated", "payment_confirmed"]]


def _liaisons(app, people: list[dict]) -> None:
    step = next(s for s in form_steps(type_doc(app)) if any(f["key"] == "liaisons"
                                                          for f in s.fields))
    errors = application_save_step(application=app, actor=app.applicant,
                                   step_index=step.index, finish=True,
                                   data={"liaisons": people})
    assert not errors, errors


def test_cacem_approval_sms_goes_to_the_first_liaison(demo):
    with schema_context(demo("cacem")):
        handler = applicant(name="某某建设集团有限公司", phone="13900000099",
                            email="handler@example.test")
        app = _start("unit", rank="council", who=handler)
        _liaisons(app, [
            {"liaison_name": "李一", "liaison_department": "办公室", "liaison_position": "主任",
             "liaison_mobile": "13811110001", "liaison_email": "li1@example.test"},
            {"liaison_name": "王二", "liaison_department": "财务部", "liaison_position": "经理",
             "liaison_mobile": "13811110002", "liaison_email": "wang2@example.test"}])
        app, steps = _walk(app, _staff())
        # paid before the review: told to pay, that the money is in, then approved
        assert [sorted({m.event for m in ms}) for _status, ms in steps] == [
            ["payment_required"], ["payment_confirmed"], ["member_activated"]]
        before_review = [m for _status, ms in steps[:2] for m in ms]
        assert not any("审核通过" in m.body for m in before_review)
        sms = _messages(handler, event="member_activated", channel="sms")
        assert [(m.address, m.body) for m in sms] == [(
            "13811110001", "贵单位的入会申请已审核通过，会员号CACEM00001。可登录会员系统在会员"
                           "中心查看电子会员证。")]
        email = _messages(handler, event="member_activated", channel="email")
        assert [m.address for m in email] == ["handler@example.test"]
        assert email[0].body.startswith("某某建设集团有限公司：\n\n贵单位已成为"
                                        "中国施工企业管理协会单位会员，会员号：CACEM00001")
        _read_all(handler)


def test_caq_unit_is_not_told_to_pay_after_paying(demo):
    with schema_context(demo("caq")):
        app, steps = _walk(_start("unit", rank="regular"), _staff())
        after_payment = [m for _status, ms in steps[2:] for m in ms]
        assert {m.event for m in after_payment} == {"payment_confirmed", "member_activated"}
        assert not any("缴纳会费" in m.body or "完成缴费" in m.body for m in after_payment)
        approved = _messages(app.applicant, event="application_approved", channel="sms")
        assert [m.body for m in approved] == [
            "您的入会申请资料已通过审核，请登录会员系统按照流程提示缴纳会费5,000元。"]


def test_caq_sends_the_registration_email_its_manual_describes(demo, mailoutbox):
    with schema_context(demo("caq")):
        user = account_signup(name="某某质量科技有限公司", phone=None,
                              email="reg@example.test", password="Qx-9876-passw0rd",
                              code=None, unit_name_login=True)
        [message] = _messages(user)
        assert (message.channel, message.address) == ("email", "reg@example.test")
        assert message.subject == "中国质量协会会员系统注册成功"
        assert "登录账号：某某质量科技有限公司" in message.body
        assert "填写入会申请表" in message.body
        assert not problems(message)
        assert outbox_send(message.pk) == "sent"
    assert mailoutbox[-1].to == ["reg@example.test"]
    assert mailoutbox[-1].subject == "中国质量协会会员系统注册成功"


def test_other_associations_send_nothing_at_sign_up(demo):
    with schema_context(demo("cmes")):
        user = account_signup(name="张三", phone="13900000077", email=None,
                              password="Qx-9876-passw0rd", code=None, unit_name_login=False)
        assert _messages(user) == []


def test_a_rejected_voucher_tells_the_payer_why(demo):
    with schema_context(demo("jsgas")):
        staff = _staff()
        app = _start("unit")
        app = application_submit(application=app, actor=app.applicant)
        review_decide(application=app, actor=staff[Role.HQ_ADMIN], decision="approve",
                      expected_position=0)
        app.refresh_from_db()
        order = order_for_application(application=app, actor=app.applicant, years=1)
        connect_bank()  # transfers need the association's bank account
        voucher = voucher_upload(order=order, actor=app.applicant,
                                 uploaded=SimpleUploadedFile("v.pdf", PDF))
        with translation.override("en"):  # whatever the finance officer's browser says
            voucher_decide(voucher=voucher, actor=staff[Role.FINANCE], accept=False,
                           reason="凭证金额与订单不符")
        inbox = _messages(app.applicant, event="voucher_rejected", channel="inbox")
        assert [(m.subject, m.body) for m in inbox] == [(
            "付款凭证未通过确认",
            "财务未能确认您转账的2,000元：凭证金额与订单不符。请重新上传付款凭证。")]
        _read_all(app.applicant)


def test_a_three_year_renewal_confirms_the_three_year_amount(alpha):
    with schema_context("alpha"):
        member = applicant(60)
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="senior"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=3)
        connect_bank()  # transfers need the association's bank account
        voucher = voucher_upload(order=order, actor=member,
                                 uploaded=SimpleUploadedFile("v.png", PNG))
        voucher_decide(voucher=voucher, actor=alpha.user("finance"), accept=True)
        [sms] = _messages(member, event="payment_confirmed", channel="sms")
        assert sms.body == "您交纳的会费300元已确认，感谢您对Alpha Society的支持。"
        assert not [p for p in problems(sms) if p.startswith("unfilled")]


def test_the_receipt_goes_to_the_email_typed_in_the_receipt_form(alpha, mailoutbox):
    with schema_context("alpha"):
        member = user_create(acting_user=None, name="赵六", phone="13900000066",
                             password="Qx-9876-passw0rd")  # signed up by phone: no email
        membership = membership_activate(acting_user=None, user=member,
                                         member_type=MemberType.objects.get(code="regular"),
                                         rank=None, years=1)
        order = order_for_renewal(membership=membership, actor=member, years=1)
        finance = alpha.user("finance")
        connect_bank()  # transfers need the association's bank account
        voucher_decide(voucher=voucher_upload(order=order, actor=member,
                                              uploaded=SimpleUploadedFile("v.png", PNG)),
                       actor=finance, accept=True)
        request = invoice_request(order=order, actor=member, details={
            "title": "赵六", "tax_id": "", "name": "赵六", "phone": "13900000066",
            "email": "zhao6@example.test", "address": "", "postcode": "", "note": ""})
        with translation.override("en"):  # a finance officer with an English browser
            invoice_issue(request=request, actor=finance,
                          uploaded=SimpleUploadedFile("r.pdf", PDF))
        [email] = _messages(member, event="invoice_issued", channel="email")
        assert email.address == "zhao6@example.test"
        assert email.subject == "您的会费电子票据"
        assert email.body.startswith("赵六，您交纳的会费50元（订单号")
        assert "Your fee receipt" not in email.body and "attached" not in email.body
        assert outbox_send(email.pk) == "sent"
    assert mailoutbox[-1].to == ["zhao6@example.test"]
    assert mailoutbox[-1].attachments[0][1].startswith(b"%PDF")


def test_cmes_submitted_is_not_asked_to_complete_what_it_submitted(demo):
    with schema_context(demo("cmes")):
        app = _start("senior")
        app = application_submit(application=app, actor=app.applicant)
        got = {m.channel: m.body for m in _messages(app.applicant, event="application_submitted")}
    assert got["sms"] == ("您的高级会员注册申请已经收到，学会将尽快审核，审核结果将另行通知。"
                          "如有问题可咨询010-68799026。")
    assert got["inbox"] == "您的高级会员注册申请已经收到，学会将尽快审核，审核结果将另行通知。"
    assert "补充完善个人信息" not in got["email"] and "学会将尽快审核" in got["email"]
