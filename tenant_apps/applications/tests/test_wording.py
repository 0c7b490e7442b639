"""What people read on the journey's pages (issue 9 §5): status labels naming the step,
badge colours by outcome, the join page leading to sign-up, Jiangsu's progress bar and
success page, the login page's first mode and landing page, what reviewers see (scans and
PDFs in place, referral, fee), staff lists naming the unit, no internal keys or English."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import (
    application_add_upload,
    application_payment_confirmed,
    application_start,
    application_submit,
    review_decide,
)
from tenant_apps.applications.tests.helpers import PDF, applicant, complete
from tenant_apps.configuration.models import MemberType, ReferralChannel
from tenants.models import Association
from tenants.services import association_create

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


@pytest.fixture
def society(db):
    """A demo association provisioned from its profile inside the test's transaction."""
    def make(slug: str) -> str:
        if not Association.objects.filter(slug=slug).exists():
            association_create(acting_user=None, name=slug, slug=slug, profile=slug,
                               admin_name="管理员", admin_email=f"admin@{slug}.test",
                               admin_password="Admin-passw0rd-2026")
        return slug
    return make


def client_for(slug: str, user=None) -> Client:
    client = Client(HTTP_HOST=f"{slug}.localhost")
    if user is not None:
        with schema_context(slug):
            client.force_login(user, backend=BACKEND)
    return client


def submitted(code: str, n: int = 1, **start):
    app = application_start(applicant=applicant(n), member_type=MemberType.objects.get(
        code=code), **start)
    complete(app)
    return application_submit(application=app, actor=app.applicant)


def text(response) -> str:
    """The page as a person reads it: tags gone, spaces squeezed."""
    body = re.sub(r"(?s)<script.*?</script>|<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


# --- 1. the join page, eligibility, labels, Jiangsu, login -----------------------------------

@pytest.mark.django_db
def test_the_join_page_leads_a_visitor_without_an_account_to_sign_up(alpha):
    page = alpha.client().get("/join/").content.decode()
    assert 'href="/signup/"' in page and "注册并申请入会" in page
    assert "已有账号，登录" in page


@pytest.mark.django_db
def test_the_senior_eligibility_is_shown_whole_when_choosing_a_type(alpha):
    page = text(alpha.client("other").get("/apply/"))
    assert "(5) 参加本会活动多年，对本会有重要贡献者。" in page


@pytest.mark.django_db
def test_an_application_waiting_at_a_step_is_labelled_by_that_step(alpha):
    with schema_context("alpha"):
        app = submitted("senior")
        client = client_for("alpha", app.applicant)
    # CMES's senior chain is one step named 会员审核
    assert "待会员审核" in text(client.get("/member/"))
    assert "审核中" not in text(client.get("/member/"))
    assert "待会员审核" in text(alpha.client("reviewer").get("/review/"))


def test_caq_after_payment_waits_for_the_secretariat(society):
    slug = society("caq")
    with schema_context(slug):
        reviewer = user_create(acting_user=None, name="审核员", username="r1",
                               password="Staff-passw0rd-2026", roles=[Role.REVIEWER])
        app = submitted("unit", rank=MemberType.objects.get(code="unit").ranks.first())
        app = review_decide(application=app, actor=reviewer, decision="approve",
                            expected_position=0)
        app = application_payment_confirmed(application=app, actor=reviewer)
        assert app.status == Status.IN_REVIEW
        client = client_for(slug, app.applicant)
    assert "等待秘书处审批" in text(client.get("/member/"))


def test_jsgas_shows_its_progress_bar_and_success_page(society):
    slug = society("jsgas")
    with schema_context(slug):
        from tenant_apps.accounts.models import User

        admin = User.objects.get(email="admin@jsgas.test")
        app = submitted("unit")
        member = app.applicant
    client = client_for(slug, member)
    # the review of the information is part of 填报信息, not of 缴纳会费
    page = text(client.get("/member/"))
    assert "填报信息 提交成功，请等待审核 缴纳会费 入会成功" in page
    assert "✔ 填报信息" not in page
    with schema_context(slug):
        app = review_decide(application=app, actor=admin, decision="approve",
                            expected_position=0)
    pay = text(client.get("/member/pay/"))
    assert "✔ 填报信息 缴纳会费 入会成功" in pay and "请等待审核" not in pay
    with schema_context(slug):
        application_payment_confirmed(application=app, actor=admin)
    done = text(client.get("/apply/"))
    assert "✔ 填报信息 ✔ 缴纳会费 ✔ 入会成功" in done
    assert "恭喜您，入会成功！" in done and "会员中心" in done
    # the member centre shows 入会成功 on the first visit after activation, then no more
    first = text(client.get("/member/"))
    assert "✔ 填报信息 ✔ 缴纳会费 ✔ 入会成功" in first and "恭喜您，入会成功！" in first
    assert "会员号" in first
    assert "恭喜您，入会成功！" not in text(client.get("/member/"))


def test_caq_progress_follows_its_manual(society):
    slug = society("caq")
    with schema_context(slug):
        app = submitted("unit", rank=MemberType.objects.get(code="unit").ranks.first())
    page = text(client_for(slug, app.applicant).get("/member/"))
    assert ("✔ 注册账号 ✔ 填写入会申请表 ✔ 打印盖章并上传 缴费并等待审核 提交成功，请等待审核"
            in page)


def test_no_progress_bar_where_the_profile_draws_none(society):
    slug = society("cmes")
    with schema_context(slug):
        app = submitted("senior")
    response = client_for(slug, app.applicant).get("/member/")
    assert "join-progress" not in response.content.decode()
    assert "填报信息" not in text(response) and "缴纳会费" not in text(response)


def test_jsgas_login_opens_on_the_sms_code(society):
    slug = society("jsgas")
    response = client_for(slug).get("/login/")
    assert response.status_code == 302 and response["Location"] == "/login/sms/"
    # the password tab stays reachable, and opens for someone who has just set a password
    assert client_for(slug).get("/login/?mode=password").status_code == 200
    assert client_for(slug).get("/login/?activated=1").status_code == 200


@pytest.mark.django_db
def test_after_login_a_member_lands_on_the_member_centre(alpha):
    from tests.harness import PASSWORD, solved_slider

    response = alpha.client().post("/login/", {"username": "member@alpha.test",
                                               "password": PASSWORD, **solved_slider(alpha.host)})
    assert response.status_code == 302 and response["Location"] == "/member/"


# --- 2. no English, no internal keys --------------------------------------------------------

@pytest.mark.django_db
def test_account_settings_are_labelled_in_chinese(alpha):
    page = text(alpha.client("hq_admin").get("/manage/config/accounts/"))
    assert "注册验证方式" in page and "滑块验证" in page and "密码最短长度" in page
    for english in ("Signup verification", "Human check", "Password min length",
                    "Invoice borrowing"):
        assert english not in page


@pytest.mark.django_db
def test_a_branch_form_names_the_branch_not_a_person(alpha):
    page = alpha.client("hq_admin").get("/manage/config/branches/new/").content.decode()
    assert re.search(r"<label[^>]*>分会名称", page)
    assert not re.search(r"<label[^>]*>姓名", page)


@pytest.mark.django_db
def test_the_system_acts_as_系统_and_finance_lists_orders_not_counts(alpha):
    with schema_context("alpha"):
        app = submitted("senior", n=7)
        app = review_decide(application=app, actor=alpha.user("reviewer"),
                            decision="approve", expected_position=0)
        application_payment_confirmed(application=app, actor=None)  # the gateway's word
        client = client_for("alpha", app.applicant)
    timeline = text(client.get("/member/"))
    assert "系统" in timeline and "system" not in timeline
    nav = text(alpha.client("finance").get("/finance/orders/"))
    assert "订单" in nav and "订单数" not in nav


def test_pages_name_upload_kinds_and_fields_not_their_keys(society):
    slug = society("jsgas")
    join = text(client_for(slug).get("/join/"))
    assert "JPG、PNG" in join and "image" not in join


@pytest.mark.django_db
def test_the_configuration_screens_do_not_show_field_keys(alpha):
    detail = text(alpha.client("hq_admin").get("/manage/config/types/senior/"))
    assert "出生日期" in detail or "姓名" in detail
    assert "birth_date" not in detail and "id_number" not in detail


# --- 3. what reviewers see ------------------------------------------------------------------

@pytest.mark.django_db
def test_reviewers_see_the_referral_and_whether_the_fee_is_paid(alpha):
    with schema_context("alpha"):
        from tenant_apps.configuration.models import Branch

        channel = ReferralChannel.objects.get(kind="branch")
        app = application_start(applicant=applicant(3), member_type=MemberType.objects.get(
            code="senior"), referral=channel, referral_branch=Branch.objects.get(code="robot"))
        complete(app)
        app = application_submit(application=app, actor=app.applicant)
    read = text(alpha.client("reviewer").get(f"/review/{app.public_id}/"))
    assert "分会推荐 · 机器人分会" in read
    assert "会费 未缴费" in read


def test_reviewers_see_scans_and_pdfs_in_place(society):
    slug = society("jsgas")
    with schema_context(slug):
        from tenant_apps.accounts.models import User

        admin = User.objects.get(email="admin@jsgas.test")
        app = application_start(applicant=applicant(3), member_type=MemberType.objects.get(
            code="unit"))
        complete(app)  # the licence as a PNG
        application_add_upload(application=app, actor=app.applicant,
                               requirement="measuring_instrument_licence",
                               uploaded=SimpleUploadedFile("licence.pdf", PDF))
        app = application_submit(application=app, actor=app.applicant)
        image = app.uploads.get(requirement="business_licence").file
        pdf = app.uploads.get(requirement="measuring_instrument_licence").file
        other = applicant(4)
    reviewer = client_for(slug, admin)
    page = reviewer.get(f"/review/{app.public_id}/").content.decode()
    assert f'<img src="/files/{image.public_id}/view/"' in page
    assert f'<iframe class="material-preview" src="/files/{pdf.public_id}/view/"' in page
    read = text(reviewer.get(f"/review/{app.public_id}/"))
    assert "营业执照" in read and "制造计量器具许可证" in read
    assert "business_licence" not in read and "measuring_instrument_licence" not in read
    shown = reviewer.get(f"/files/{pdf.public_id}/view/")
    assert shown.status_code == 200
    assert shown["Content-Disposition"].startswith("inline")
    assert b"".join(shown.streaming_content) == PDF
    picture = reviewer.get(f"/files/{image.public_id}/view/")
    assert picture["Content-Type"] == "image/png"
    assert picture["Content-Disposition"].startswith("inline")
    # still private: another applicant gets nothing
    assert client_for(slug, other).get(f"/files/{pdf.public_id}/view/").status_code == 404


def test_staff_lists_name_the_unit_not_the_phone(society):
    slug = society("jsgas")
    with schema_context(slug):
        from tenant_apps.accounts.models import User

        admin = User.objects.get(email="admin@jsgas.test")
        app = application_start(applicant=user_create(
            acting_user=None, name="", phone="13955550001", password="Qx-9876-passw0rd"),
            member_type=MemberType.objects.get(code="unit"))
        complete(app)
        app.refresh_from_db()
        answers = dict(app.answers, unit_name="南京示范燃气有限公司")
        app.answers = answers
        app.save(update_fields=["answers"])
        application_submit(application=app, actor=app.applicant)
    queue = text(client_for(slug, admin).get("/review/"))
    assert "南京示范燃气有限公司" in queue and "13955550001" not in queue


# --- 4. confirmations and colours -----------------------------------------------------------

@pytest.mark.django_db
def test_cancelling_an_order_asks_first(alpha):
    from tenant_apps.billing.services import order_for_application

    with schema_context("alpha"):
        app = submitted("senior", n=5)
        reviewer = alpha.user("reviewer")
        app = review_decide(application=app, actor=reviewer, decision="approve",
                            expected_position=0)
        order = order_for_application(application=app, actor=app.applicant, years=1)
        client = client_for("alpha", app.applicant)
    asked = client.get(f"/member/orders/{order.number}/cancel/")
    assert asked.status_code == 200 and "确定取消此订单？" in text(asked)
    # a bare post (an old form, a double click) asks too
    client.post(f"/member/orders/{order.number}/cancel/")
    order.refresh_from_db()
    assert order.status == "pending"
    client.post(f"/member/orders/{order.number}/cancel/", {"confirm": "yes"})
    order.refresh_from_db()
    assert order.status == "cancelled"


@pytest.mark.django_db
def test_a_rejection_is_red_and_a_wait_amber(alpha):
    with schema_context("alpha"):
        app = submitted("senior", n=6)
        client = client_for("alpha", app.applicant)
    assert "badge badge-waiting status-label" in client.get("/member/").content.decode()
    with schema_context("alpha"):
        review_decide(application=app, actor=alpha.user("reviewer"), decision="reject",
                      expected_position=0, reason="材料不全")
    page = client.get("/member/").content.decode()
    assert "badge badge-rejected status-label" in page and "badge-active status-label" \
        not in page



def test_no_referral_row_where_the_association_has_no_channels(society):
    slug = society("jsgas")
    with schema_context(slug):
        from tenant_apps.accounts.models import User

        admin = User.objects.get(email="admin@jsgas.test")
        app = submitted("unit")
    client = client_for(slug, admin)
    page = text(client.get(f"/review/{app.public_id}/"))
    assert "单位logo" in page
    assert "推荐 未填写" not in page and " 推荐 " not in page


@pytest.mark.django_db
def test_the_referral_row_stays_where_channels_exist(alpha):
    with schema_context("alpha"):
        app = submitted("senior", referral=ReferralChannel.objects.get(code="other"))
    assert "推荐 其他" in text(alpha.client("reviewer").get(f"/review/{app.public_id}/"))
