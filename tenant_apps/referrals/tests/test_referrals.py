"""Referral codes (issue 12 §3): the link names its referrer and cannot be forged; it fills in
the apply page through sign-up or login; the channel's rules still decide at the apply page;
我的推荐 and the staff report. alpha has the CMES profile: 个人会员推荐 (code `member`, the
referrer's membership in force, no referring upwards), 分会推荐 (`branch`), 省学会推荐."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from huiji.sms import console
from tenant_apps.applications.models import Application
from tenant_apps.applications.services import application_start
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import Branch, MemberType, ReferralChannel
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.services import membership_activate
from tenant_apps.records.models import MemberRecord
from tenant_apps.referrals.codes import branch_code, member_code
from tests.harness import solved_slider

INVALID = ("该推荐链接可能复制不完整或已被改动，无法识别推荐人。"
           "请向分享链接的人重新索取，或不经推荐直接申请。")
NOT_IN_FORCE = "推荐人的会籍不在有效期内。"


def _member(n: int, name: str, code: str = "regular", branch: str | None = None) -> Membership:
    membership = membership_activate(acting_user=None, user=applicant(n, name=name), rank=None,
                                     years=1, member_type=MemberType.objects.get(code=code))
    if branch:
        MemberRecord.objects.create(membership=membership,
                                    branch=Branch.objects.get(code=branch))
    return membership


def _logged_in(user) -> Client:
    client = Client(HTTP_HOST="alpha.localhost")
    with schema_context("alpha"):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def _text(response) -> str:
    return response.content.decode()


def _selected_channel(page: str) -> str | None:
    found = re.search(r'<option value="([^"]*)" data-kind="[^"]*" selected>', page)
    return found.group(1) if found else None


def _input(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" maxlength="\d+" value="([^"]*)"', page)
    return found.group(1) if found else None


@pytest.mark.django_db
def test_a_member_link_names_the_referrer_and_a_tampered_one_names_nobody(alpha):
    with schema_context("alpha"):
        zhang = _member(701, "张三")
        code = member_code(zhang)
        number = zhang.number
        newcomer = applicant(702, name="新人甲")
    client = Client(HTTP_HOST=alpha.host)
    page = _text(client.get(f"/r/{code}/"))
    assert f"推荐人：张三 {number}" in page
    assert "注册并申请入会" in page
    value, signature = code.split(":")
    other = "A" if signature[-1] != "A" else "B"
    for bad in (f"m{zhang.pk + 1}:{signature}", f"{value}:{signature[:-1]}{other}",
                value, "m1:abc", "b1"):
        refused = client.get(f"/r/{bad}/")
        assert refused.status_code == 404, bad
        assert INVALID in _text(refused) and "张三" not in _text(refused)
    # the apply page with a tampered code: the message, nothing filled in
    person = _logged_in(newcomer)
    page = _text(person.get(f"/apply/?ref={value}:{signature[:-1]}{other}"))
    assert INVALID in page
    assert "张三" not in page and _selected_channel(page) is None
    assert _input(page, "referrer_number") == ""


@pytest.mark.django_db
def test_the_referral_survives_sign_up_and_is_recorded_as_by_code(alpha):
    with schema_context("alpha"):
        zhang = _member(703, "张三")
        code, number = member_code(zhang), zhang.number
    client = Client(HTTP_HOST=alpha.host)
    client.get(f"/r/{code}/")
    assert f"推荐人：张三 {number}" in _text(client.get("/signup/"))  # shown at sign-up too
    phone = "13655500703"
    client.post("/accounts/code/", {"phone": phone, "purpose": "signup"})
    sms = next(m for m in reversed(console.SENT) if m["phone"] == phone)
    signed_up = client.post("/signup/", {
        "name": "王小明", "phone": phone, "email": "wxm@example.test",
        "password1": "Wang-2026-pass", "password2": "Wang-2026-pass",
        "code": "".join(ch for ch in sms["text"] if ch.isdigit())[:6], **solved_slider(client)})
    assert signed_up.status_code == 302 and signed_up["Location"] == "/apply/"
    page = _text(client.get("/apply/"))
    assert f"推荐人：张三 {number}" in page
    assert _selected_channel(page) == "member"
    assert _input(page, "referrer_name") == "张三"
    assert _input(page, "referrer_number") == number
    started = client.post("/apply/", {"member_type": "regular", "referral": "member",
                                      "referrer_name": "张三", "referrer_number": number})
    assert started.status_code == 302
    with schema_context("alpha"):
        application = Application.objects.get(applicant__phone=phone)
        assert application.referrer_id == zhang.pk and application.referred_by_code
        assert application.referral_channel.code == "member"


@pytest.mark.django_db
def test_the_referral_survives_login_through_next(alpha):
    with schema_context("alpha"):
        zhang = _member(704, "张三")
        code, number = member_code(zhang), zhang.number
        applicant(705, name="老用户")
    client = Client(HTTP_HOST=alpha.host)
    page = _text(client.get(f"/r/{code}/"))
    assert f"/login/?next=%2Fapply%2F%3Fref%3D{code.replace(':', '%253A')}" in page
    logged = client.post(f"/login/?next=/apply/?ref={code}", {
        "username": "13900000705", "password": "Qx-9876-passw0rd",
        "next": f"/apply/?ref={code}", **solved_slider(client)})
    assert logged.status_code == 302 and logged["Location"] == f"/apply/?ref={code}"
    page = _text(client.get(logged["Location"]))
    assert f"推荐人：张三 {number}" in page and _input(page, "referrer_number") == number


@pytest.mark.django_db
def test_a_lapsed_referrers_link_says_so_and_fills_nothing(alpha):
    with schema_context("alpha"):
        zhang = _member(706, "张三")
        code, number = member_code(zhang), zhang.number
        Membership.objects.filter(pk=zhang.pk).update(status="lapsed")
        newcomer = applicant(707, name="新人乙")
    landing = Client(HTTP_HOST=alpha.host).get(f"/r/{code}/")
    assert landing.status_code == 200
    assert NOT_IN_FORCE in _text(landing) and "不经推荐直接申请" in _text(landing)
    assert f"推荐人：张三 {number}" not in _text(landing)
    person = _logged_in(newcomer)
    page = _text(person.get(f"/apply/?ref={code}"))
    assert NOT_IN_FORCE in page and _input(page, "referrer_number") == ""
    # typed by hand, the channel's rule refuses it all the same
    refused = person.post("/apply/", {"member_type": "regular", "referral": "member",
                                      "referrer_name": "张三", "referrer_number": number})
    assert refused.status_code == 400 and NOT_IN_FORCE in _text(refused)
    # the referrer's own page says the code is paused, and shows no QR
    own = _text(_logged_in(zhang.user).get("/member/referral-code/"))
    assert "您的推荐码暂停使用。" in own and "qr.png" not in own


@pytest.mark.django_db
def test_a_lower_level_cannot_refer_a_higher_one_through_a_code(alpha):
    with schema_context("alpha"):
        zhang = _member(708, "张三")  # 普通会员, level 2
        code, number = member_code(zhang), zhang.number
        newcomer = applicant(709, name="新人丙")
    person = _logged_in(newcomer)
    person.get(f"/r/{code}/")
    refused = person.post("/apply/", {"member_type": "senior", "rank": "", "referral": "member",
                                      "referrer_name": "张三", "referrer_number": number})
    assert refused.status_code == 400
    assert "低级别会员不能推荐高级别会员。" in _text(refused)
    with schema_context("alpha"):
        assert not Application.objects.filter(applicant=newcomer).exists()
    # the applicant may choose another channel instead
    started = person.post("/apply/", {"member_type": "senior", "referral": "branch",
                                      "referral_branch": "robot"})
    assert started.status_code == 302
    with schema_context("alpha"):
        application = Application.objects.get(applicant=newcomer)
        assert application.referrer is None and not application.referred_by_code


@pytest.mark.django_db
def test_a_branch_link_fills_in_the_branch(alpha):
    with schema_context("alpha"):
        code = branch_code(Branch.objects.get(code="beijing"))
        robot = branch_code(Branch.objects.get(code="robot"))
        newcomer = applicant(710, name="新人丁")
    person = _logged_in(newcomer)
    assert "推荐分会：机器人分会" in _text(person.get(f"/r/{robot}/"))
    page = _text(person.get(f"/apply/?ref={code}"))
    assert "推荐学会：北京机械工程学会" in page
    assert _selected_channel(page) == "provincial"
    assert '<option value="beijing" selected>' in page
    person.post("/apply/", {"member_type": "regular", "referral": "provincial",
                            "referral_branch": "beijing"})
    with schema_context("alpha"):
        application = Application.objects.get(applicant=newcomer)
        assert application.referral_branch.code == "beijing" and application.referred_by_code


def _referred(n: int, name: str, referrer: Membership, status: str = "draft",
              membership_status: str | None = None) -> Application:
    person = applicant(n, name=name)
    application = application_start(
        applicant=person, member_type=MemberType.objects.get(code="regular"),
        referral=ReferralChannel.objects.get(code="member"), referrer_name=referrer.user.name,
        referrer_number=referrer.number, by_code=True)
    if status == "completed":
        joined = membership_activate(acting_user=None, user=person, rank=None, years=1,
                                     member_type=MemberType.objects.get(code="regular"))
        if membership_status:
            Membership.objects.filter(pk=joined.pk).update(status=membership_status)
        Application.objects.filter(pk=application.pk).update(status=status, membership=joined)
    else:
        Application.objects.filter(pk=application.pk).update(status=status)
    return application


@pytest.mark.django_db
def test_my_referrals_lists_each_referee_masked_with_where_they_stand(alpha):
    with schema_context("alpha"):
        zhang = _member(711, "张三")
        li = _member(712, "李四")
        _referred(713, "王小明", zhang)
        _referred(714, "李华", zhang, "awaiting_payment")
        _referred(715, "赵六", zhang, "completed")
        _referred(716, "欧阳娜娜", zhang, "completed", membership_status="lapsed")
        _referred(717, "钱八", li)  # someone else's
    page = _text(_logged_in(zhang.user).get("/member/referrals/"))
    rows = re.findall(r"<tr>\s*<td data-label=\"姓名\">([^<]*)</td>.*?data-stage=\"[a-z_]+\">"
                      r"([^<]*)</span>", page, re.S)
    assert rows == [("欧**", "已失效"), ("赵*", "已入会"), ("李*", "待付款"), ("王**", "申请中")]
    for name in ("王小明", "李华", "赵六", "欧阳娜娜", "钱"):
        assert name not in page
    counts = dict(re.findall(r'data-count="([a-z_]+)">(\d+)<', page))
    assert counts == {"total": "4", "applying": "1", "to_pay": "1", "joined": "1",
                      "lapsed": "1"}
    assert "我的推荐码" in page and "我的推荐" in page  # the member menu


def test_my_referrals_dates_an_application_by_the_associations_day(alpha):
    """Started at 01:30 in Beijing (17:30 UTC the day before): listed on the Beijing day."""
    import datetime as dt

    from tenant_apps.applications.models import Application

    with schema_context("alpha"):
        zhang = _member(721, "张三")
        application = _referred(722, "王小明", zhang)
        Application.objects.filter(pk=application.pk).update(
            created_at=dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC))
    page = _text(_logged_in(zhang.user).get("/member/referrals/"))
    assert "2026-03-02" in page and "2026-03-01" not in page


@pytest.mark.django_db
def test_the_report_counts_by_branch_and_member_and_a_branch_admin_sees_theirs(alpha):
    with schema_context("alpha"):
        zhang = _member(721, "张三", branch="robot")
        li = _member(722, "李四", branch="mech_history")
        _referred(723, "甲", zhang)
        _referred(724, "乙", zhang, "completed")
        _referred(725, "丙", li)
        channel = ReferralChannel.objects.get(code="branch")
        for n, branch, by_code in ((726, "robot", True), (727, "robot", False),
                                   (728, "mech_history", False)):
            application_start(applicant=applicant(n), referral=channel, by_code=by_code,
                              member_type=MemberType.objects.get(code="regular"),
                              referral_branch=Branch.objects.get(code=branch))
        zhang_number, li_number = zhang.number, li.number
        Branch.objects.get(code="robot").admins.add(alpha.user("branch_admin"))

    def table(page, name):
        body = page.split(f'id="{name}"')[1].split("</table>")[0]
        return re.findall(r'<tr data-[a-z]+="([^"]+)">.*?</tr>', body, re.S), \
            [tuple(re.findall(r"<td[^>]*>(?:<a[^>]*>)?([^<]*)", row)) for row in
             re.findall(r"<tr data-[a-z]+=\"[^\"]+\">(.*?)</tr>", body, re.S)]

    hq = alpha.client("hq_admin")
    page = _text(hq.get("/manage/referrals/"))
    _keys, rows = table(page, "by-branch")
    assert rows == [("机器人分会", "2", "0", "1"), ("机械史分会", "1", "0", "0")]
    _keys, rows = table(page, "by-member")
    assert rows == [("张三", zhang_number, "机器人分会", "2", "1", "2"),
                    ("李四", li_number, "机械史分会", "1", "0", "1")]
    totals = dict(re.findall(r'data-total="([a-z_]+)">(\d+)<', page))
    assert totals == {"applications": "6", "joined": "1", "by_code": "4"}

    branch_admin = alpha.client("branch_admin")
    page = _text(branch_admin.get("/manage/referrals/"))
    assert table(page, "by-branch")[1] == [("机器人分会", "2", "0", "1")]
    assert table(page, "by-member")[1] == [("张三", zhang_number, "机器人分会", "2", "1", "2")]
    assert "李四" not in page and "机械史分会" not in page.split("by-branch")[1]

    # a range without them, and a bad date
    empty = _text(hq.get("/manage/referrals/?from=2020-01-01&to=2020-12-31"))
    assert dict(re.findall(r'data-total="([a-z_]+)">(\d+)<', empty)) == {
        "applications": "0", "joined": "0", "by_code": "0"}
    bad = hq.get("/manage/referrals/?from=2026-13-01")
    assert bad.status_code == 400 and "请按 YYYY-MM-DD 填写日期。" in _text(bad)

    # the Excel file: the same rows
    import openpyxl

    xlsx = branch_admin.get("/manage/referrals/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [[c for c in row] for row in sheet.iter_rows(values_only=True)] == [
        ["推荐方", "姓名", "会员号", "分会", "申请数", "入会数", "经推荐码"],
        ["分会", "机器人分会", None, None, 2, 0, 1],
        ["会员", "张三", zhang_number, "机器人分会", 2, 1, 2]]
    # members and other staff without the member list get nothing
    assert alpha.client("member").get("/manage/referrals/").status_code == 404
    assert alpha.client("finance").get("/manage/referrals/").status_code == 404


def _decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.django_db
def test_the_poster_and_qr_carry_the_link(alpha):
    with schema_context("alpha"):
        zhang = _member(731, "张三")
        code = member_code(zhang)
    client = _logged_in(zhang.user)
    page = _text(client.get("/member/referral-code/"))
    assert f"http://alpha.localhost/r/{code}/" in page
    for path in ("/member/referral-code/poster.png", "/member/referral-code/qr.png"):
        response = client.get(path)
        assert response["Content-Type"] == "image/png"
        assert _decoded(response.content) == [f"http://alpha.localhost/r/{code}/"]
    poster = Image.open(io.BytesIO(client.get("/member/referral-code/poster.png").content))
    assert poster.size == (750, 1200)
    card = _text(client.get("/member/referral-code/card/"))
    assert "Alpha Society" in card and "推荐人：张三" in card


@pytest.mark.django_db
def test_a_branch_administrator_gets_their_branchs_code_only(alpha):
    with schema_context("alpha"):
        Branch.objects.get(code="robot").admins.add(alpha.user("branch_admin"))
        code = branch_code(Branch.objects.get(code="robot"))
    staff = alpha.client("branch_admin")
    page = _text(staff.get("/manage/referrals/code/"))
    assert "推荐码 · 机器人分会" in page and f"/r/{code}/" in page
    poster = staff.get("/manage/referrals/code/robot/poster.png")
    assert _decoded(poster.content) == [f"http://alpha.localhost/r/{code}/"]
    for path in ("/manage/referrals/code/?branch=mech_history",
                 "/manage/referrals/code/mech_history/poster.png",
                 "/manage/referrals/code/mech_history/card/"):
        assert staff.get(path).status_code == 404, path
    # the member list offers it
    assert "生成推荐码" in _text(staff.get("/manage/members/"))
    # HQ chooses any branch
    hq = alpha.client("hq_admin")
    assert "推荐码 · 机械史分会" in _text(hq.get("/manage/referrals/code/?branch=mech_history"))
    assert alpha.client("member").get("/manage/referrals/code/").status_code == 404


@pytest.mark.django_db
def test_no_referral_code_where_the_association_has_no_member_channel(beta):
    with schema_context("beta"):
        user = applicant(741, name="贝塔会员")
        mtype = MemberType.objects.create(code="person", name="个人会员", kind="individual")
        membership_activate(acting_user=None, user=user, rank=None, years=1,
                            member_type=mtype)
    client = Client(HTTP_HOST=beta.host)
    with schema_context("beta"):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    assert "我的推荐码" not in _text(client.get("/member/"))
    assert client.get("/member/referral-code/").status_code == 404
    assert client.get("/member/referral-code/poster.png").status_code == 404


@pytest.mark.django_db
def test_a_member_who_joined_by_code_is_found_by_the_member_lists_referral_filter(alpha):
    from tenant_apps.applications.services import application_submit
    from tenant_apps.applications.tests.helpers import complete

    with schema_context("alpha"):
        zhang = _member(751, "张三")
        student = applicant(752, name="吴同学")
        application = application_start(
            applicant=student, member_type=MemberType.objects.get(code="student"),
            referral=ReferralChannel.objects.get(code="member"), referrer_name="张三",
            referrer_number=zhang.number, by_code=True)
        complete(application)
        application_submit(application=application, actor=student)  # CMES: students join
        application.refresh_from_db()
        assert application.status == "completed"
    hq = alpha.client("hq_admin")
    assert "吴同学" in _text(hq.get("/manage/members/", {"referral": "member"}))
    assert "吴同学" not in _text(hq.get("/manage/members/", {"referral": "branch"}))
    # the review page names the referrer, with a link to their member page
    page = _text(hq.get(f"/review/{application.public_id}/"))
    assert f'<a href="/manage/members/{zhang.number}/" data-referrer>张三（{zhang.number}）</a>' \
        in page and "经推荐码" in page


def test_the_poster_draws_any_name_as_text_and_keeps_its_qr_readable():
    from tenant_apps.referrals.poster import poster_png

    url = "http://alpha.localhost/r/m1:abc/"
    png = poster_png(association="某某" * 40, invitation="诚邀您加入" + "很长的协会名称" * 10,
                     lines=["推荐人：<b>{{ x }}</b>\n%(name)s" + "名" * 80, "会员号：E1"],
                     hint="长按识别", url=url)
    assert Image.open(io.BytesIO(png)).size == (750, 1200)
    assert _decoded(png) == [url]
