"""A level change is an application of the target type: its forms, uploads and review chain,
priced by its upgrade pricing, and only to the levels the association allows (CMES:
学生会员 -> 普通/高级, 普通 -> 高级, never down)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import (
    application_start,
    application_submit,
    level_change_start,
    review_decide,
)
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.billing.models import Order
from tenant_apps.billing.statements import statement_import
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.services import membership_activate

THIS_YEAR = timezone.localdate().year


def student(n: int = 1) -> Membership:
    """A CMES student: no review, free, a member (number E…T) at once."""
    person = applicant(n)
    app = application_start(applicant=person, member_type=MemberType.objects.get(code="student"))
    complete(app)
    app = application_submit(application=app, actor=person)
    assert app.status == Status.COMPLETED
    return Membership.objects.select_related("user", "member_type").get(user=person)


def member_of(code: str, n: int, years: int = 1) -> Membership:
    return membership_activate(acting_user=None, user=applicant(n),
                               member_type=MemberType.objects.get(code=code), rank=None,
                               years=years)


def pay_by_statement(order: Order, finance) -> None:
    line = f"交易日期,金额,附言\n{timezone.localdate():%Y-%m-%d},{order.amount_fen / 100:.2f}," \
           f"会费 {order.transfer_reference}\n"
    result = statement_import(actor=finance, name="statement.csv", content=line.encode())
    assert result.matched == 1


def login(alpha, user):
    client = alpha.client()
    with schema_context("alpha"):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def test_a_free_student_becomes_senior_only_through_the_senior_review_and_payment(alpha):
    with schema_context("alpha"):
        membership = student()
        person, old_number = membership.user, membership.number
        reviewer, finance = alpha.user("reviewer"), alpha.user("finance")
    client = login(alpha, person)
    page = client.get("/member/level-change/").content.decode()
    assert "高级会员" in page and "普通会员" in page
    assert "¥100" in page  # one year of the senior fee: a free type carries no paid years
    answer = client.post("/member/level-change/", {"target": "senior:",
                                                   "reason": "已取得高级工程师职称"})
    assert answer.status_code == 302
    with schema_context("alpha"):
        change = Application.objects.get(applicant=person, purpose="level_change")
        assert (change.status, change.member_type.code) == (Status.DRAFT, "senior")
        assert change.change_reason == "已取得高级工程师职称"
        assert not Order.objects.filter(payer=person).exists()  # nothing bought, nothing paid
        membership.refresh_from_db()
        assert (membership.member_type.code, membership.number) == ("student", old_number)
        complete(change)  # the senior type's own fields and its uploads
        change = application_submit(application=change, actor=person)
        assert change.status == Status.IN_REVIEW  # 高级会员: reviewed before payment
        membership.refresh_from_db()
        assert membership.member_type.code == "student"
    home = client.get("/member/").content.decode()
    assert "等级变更" in home and "待会员审核" in home  # named by the step it waits at
    queue = login(alpha, reviewer).get("/review/").content.decode()
    assert "等级变更" in queue
    with schema_context("alpha"):
        change = review_decide(application=change, actor=reviewer, decision="approve",
                               expected_position=change.review_position)
        assert change.status == Status.AWAITING_PAYMENT
    assert client.post("/member/pay/", {"years": "1"}).status_code == 302
    with schema_context("alpha"):
        order = Order.objects.get(payer=person)
        assert (order.kind, order.amount_fen, order.years) == ("upgrade", 10000, 1)
        pay_by_statement(order, finance)
        membership.refresh_from_db()
        change.refresh_from_db()
        assert change.status == Status.COMPLETED
        assert membership.member_type.code == "senior"
        # the number follows the senior numbering (E…S), validity the senior rule
        assert re.fullmatch(r"E\d{9}S", membership.number) and membership.number != old_number
        assert membership.valid_until == dt.date(THIS_YEAR, 12, 31)
    home = client.get("/member/").content.decode()
    assert membership.number in home and "高级会员" in home


def test_a_senior_is_not_offered_a_change_down_and_cannot_post_one(alpha):
    with schema_context("alpha"):
        senior = member_of("senior", 2)
    client = login(alpha, senior.user)
    page = client.get("/member/level-change/").content.decode()
    assert "没有可变更的其他等级。" in page and "学生会员" not in page
    answer = client.post("/member/level-change/", {"target": "student:", "reason": "想降级"})
    assert answer.status_code == 400 and "请选择新的等级。" in answer.content.decode()
    with schema_context("alpha"):
        assert not Application.objects.filter(applicant=senior.user).exists()
        with pytest.raises(AppError) as refused:
            level_change_start(membership=senior, actor=senior.user,
                               member_type=MemberType.objects.get(code="student"),
                               reason="想降级")
        assert refused.value.code == "level_change_not_allowed"


def test_the_reason_is_required_and_nothing_is_made_without_it(alpha):
    with schema_context("alpha"):
        membership = student(3)
    client = login(alpha, membership.user)
    answer = client.post("/member/level-change/", {"target": "senior:", "reason": "  "})
    assert answer.status_code == 400 and "请填写变更原因。" in answer.content.decode()
    with schema_context("alpha"):
        assert not Application.objects.filter(purpose="level_change").exists()


def test_a_rejected_level_change_is_edited_and_resubmitted(alpha):
    with schema_context("alpha"):
        membership = student(4)
        person, reviewer = membership.user, alpha.user("reviewer")
        change = level_change_start(membership=membership, actor=person,
                                    member_type=MemberType.objects.get(code="senior"),
                                    reason="已取得博士学位")
        complete(change)
        change = application_submit(application=change, actor=person)
        change = review_decide(application=change, actor=reviewer, decision="reject",
                               expected_position=change.review_position,
                               reason="请上传职称证书")
        assert change.status == Status.REJECTED
    page = login(alpha, person).get("/member/level-change/").content.decode()
    assert "已驳回（请上传职称证书）" in page and "修改并重新提交" in page
    with schema_context("alpha"):
        change = application_submit(application=change, actor=person)
        assert change.status == Status.IN_REVIEW
        membership.refresh_from_db()
        assert membership.member_type.code == "student"


def test_regular_to_senior_pays_the_difference_for_the_paid_years_and_keeps_them(alpha):
    with schema_context("alpha"):
        regular = member_of("regular", 5, years=2)  # paid to 31 December next year
        finance = alpha.user("finance")
        change = level_change_start(membership=regular, actor=regular.user,
                                    member_type=MemberType.objects.get(code="senior"),
                                    reason="晋升高级工程师")
        complete(change)
        change = application_submit(application=change, actor=regular.user)
        change = review_decide(application=change, actor=alpha.user("reviewer"),
                               decision="approve", expected_position=change.review_position)
    page = login(alpha, regular.user).get("/member/pay/").content.decode()
    assert "¥100" in page  # (100 - 50) a year for the two paid years
    with schema_context("alpha"):
        from tenant_apps.billing.services import order_for_application

        order = order_for_application(application=change, actor=regular.user, years=2)
        assert (order.kind, order.amount_fen) == ("upgrade", 10000)
        pay_by_statement(order, finance)
        regular.refresh_from_db()
        assert regular.member_type.code == "senior"
        assert regular.valid_until == dt.date(THIS_YEAR + 1, 12, 31)  # the paid period kept
        assert regular.number.endswith("S")


def test_one_application_at_a_time(alpha):
    with schema_context("alpha"):
        membership = student(6)
        level_change_start(membership=membership, actor=membership.user,
                           member_type=MemberType.objects.get(code="regular"), reason="毕业工作")
        with pytest.raises(AppError) as second:
            level_change_start(membership=membership, actor=membership.user,
                               member_type=MemberType.objects.get(code="senior"),
                               reason="再来一个")
        assert second.value.status == 409
