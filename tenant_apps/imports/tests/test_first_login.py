"""首次登录 of imported members: CACEM by the liaison's mobile, CAQ by unit name or member
number with the code sent to the contact on file; no account enumeration; limits;
invitations through the outbox."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import Client
from django_tenants.utils import schema_context

from huiji.sms import console
from tenant_apps.imports.tests.helpers import cacem_row, csv_upload
from tests.harness import solved_slider

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Gongcheng-2026"


def sms_code(phone: str) -> str:
    message = next(m for m in reversed(console.SENT) if m["phone"] == phone)
    return "".join(ch for ch in message["text"] if ch.isdigit())[:6]


def _import(slug: str, upload, code: str):
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.imports.services import import_check, import_run, import_start, import_upload
    from tenant_apps.records.tests.helpers import hq_admin

    admin = hq_admin()
    imp = import_upload(acting_user=admin, uploaded=upload,
                        member_type=MemberType.objects.get(code=code))
    imp = import_check(acting_user=admin, member_import=imp, mapping=imp.mapping,
                       policy="skip")
    import_start(acting_user=admin, member_import=imp)
    return import_run(imp.pk)


@pytest.fixture
def cacem_units(db):
    from tenant_apps.records.tests.helpers import provision

    with schema_context(provision("cacem")):
        imp = _import("cacem", csv_upload([cacem_row(1), cacem_row(2)]), "unit")
        assert imp.created_count == 2
    return Client(HTTP_HOST="cacem.localhost")


def _send(client, identifier):
    return client.post("/first-login/", {"identifier": identifier, **solved_slider(client)})


def test_cacem_liaison_sets_a_password_by_sms_and_sees_the_units_fee_records(cacem_units):
    client = cacem_units
    page = client.get("/login/").content.decode()
    assert "首次登录（本系统上线前入会的老会员）" in page
    page = client.get("/first-login/").content.decode()
    assert "请输入档案中的手机号" in page
    response = _send(client, "139 0000 0001")
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****0001" in page
    code = sms_code("13900000001")
    response = client.post("/first-login/set/", {
        "identifier": "139 0000 0001", "code": code, "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/member/"
    fees = client.get("/member/fees/").content.decode()
    for year in ("2019", "2020", "2021", "2022", "2023", "2024"):
        assert year in fees
    # the password now logs in with the liaison's phone
    fresh = Client(HTTP_HOST="cacem.localhost")
    assert fresh.post("/login/", {"username": "13900000001",
                                  "password": NEW_PASSWORD}).status_code == 302
    with schema_context("cacem"):
        from huiji.audit.models import AuditEntry

        assert AuditEntry.objects.filter(action="account.first_login").count() == 1


def test_a_wrong_code_and_an_unknown_phone_get_the_same_answers(cacem_units):
    client = cacem_units
    known = _send(client, "13900000002").content.decode()
    unknown = _send(client, "13700000009").content.decode()
    assert "139****0002" in known and "137****0009" in unknown
    said = "如该会员在档案中，验证码已发送至"
    assert said in known and said in unknown
    for phone in ("13900000002", "13700000009"):
        response = client.post("/first-login/set/", {
            "identifier": phone, "code": "000000", "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD})
        assert response.status_code == 400
        assert "验证码不正确。" in response.content.decode()


def test_codes_are_limited_per_identity_and_wrong_codes_cannot_be_retried_for_ever(cacem_units):
    client = cacem_units
    assert _send(client, "13900000001").status_code == 200
    again = _send(client, "+86 139-0000-0001")      # the same identity, spelt otherwise
    assert again.status_code == 429
    assert "验证码刚刚已发送，请 60 秒后再试。" in again.content.decode()
    for _n in range(5):
        client.post("/first-login/set/", {"identifier": "13900000001", "code": "000000",
                                          "password1": NEW_PASSWORD,
                                          "password2": NEW_PASSWORD})
    code = sms_code("13900000001")
    blocked = client.post("/first-login/set/", {"identifier": "13900000001", "code": code,
                                                "password1": NEW_PASSWORD,
                                                "password2": NEW_PASSWORD})
    assert blocked.status_code == 429
    assert "验证码错误次数过多，请重新获取。" in blocked.content.decode()


def test_caq_old_members_by_unit_name_or_number_get_the_code_at_the_contact_on_file(db):
    from tenant_apps.records.tests.helpers import provision

    header = ["单位名称", "电子邮箱", "所属行业", "地址", "人员规模", "所在地区", "会员联系人",
              "联系电话", "电子邮箱（联系人信息）", "填表人", "会员编号", "入会时间"]
    rows = [["质量测试股份有限公司", "quality@caq-test.cn", "制造业", "北京市西城区", "1000-4999",
             "北京市 西城区", "王质量", "13600000001", "wang@caq-test.cn", "王质量", "19141263",
             "2019-09-21"]]
    with schema_context(provision("caq")):
        imp = _import("caq", csv_upload(rows, header=header), "unit")
        assert (imp.created_count, imp.errors) == (1, [])
    client = Client(HTTP_HOST="caq.localhost")
    page = client.get("/first-login/").content.decode()
    assert "请输入单位全称/个人姓名或会员号" in page
    for identifier in ("质量测试股份有限公司", "19141263"):
        client = Client(HTTP_HOST="caq.localhost")
        page = _send(client, identifier).content.decode()
        assert "136****0001" in page, page[page.find("<main"):page.find("</main>")]
        # a minute later (one code a minute to a phone, whatever names it)
        with schema_context("caq"):
            import datetime as dt

            from tenant_apps.accounts.models import VerificationCode

            VerificationCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=2))
    code = sms_code("13600000001")
    response = client.post("/first-login/set/", {
        "identifier": "19141263", "code": code, "password1": "Zhiliang2026",
        "password2": "Zhiliang2026"})
    assert response.status_code == 302
    # the unit's name logs in from now on, with the password it chose (never a pinyin one)
    fresh = Client(HTTP_HOST="caq.localhost")
    response = fresh.post("/login/", {"username": "质量测试股份有限公司",
                                      "password": "wangzhiliang", **solved_slider(fresh)})
    assert response.status_code == 200
    response = fresh.post("/login/", {"username": "质量测试股份有限公司",
                                      "password": "Zhiliang2026", **solved_slider(fresh)})
    assert response.status_code == 302


def test_an_unknown_name_shows_a_made_up_destination_the_same_every_time(db):
    from tenant_apps.records.tests.helpers import provision

    provision("caq")
    client = Client(HTTP_HOST="caq.localhost")
    first = _send(client, "不存在的公司").content.decode()
    from django.core.cache import cache

    cache.clear()   # past the identity's 60 s limit
    second = _send(client, "不存在的公司").content.decode()
    import re

    masked = re.findall(r'class="destination">([^<]+)<', first)
    assert masked and masked == re.findall(r'class="destination">([^<]+)<', second)
    assert re.fullmatch(r"1\d\d\*\*\*\*\d{4}", masked[0])


def test_staff_invite_one_member_and_all_of_an_import_through_the_outbox(cacem_units):
    from tenant_apps.imports.models import MemberImport
    from tenant_apps.notifications.models import OutboxMessage
    from tenant_apps.records.tests.helpers import client_for, hq_admin

    with schema_context("cacem"):
        admin = hq_admin()
        imp = MemberImport.objects.get()
    staff = client_for(admin, "cacem.localhost")
    response = staff.post(f"/manage/imports/{imp.public_id}/invite/")
    assert response.status_code == 302
    response = staff.post("/manage/members/CACEM00001/invite/")
    assert response.status_code == 302
    with schema_context("cacem"):
        sent = list(OutboxMessage.objects.filter(event="member_invited").order_by("pk")
                    .values_list("channel", "address", "body"))
    assert [(c, a) for c, a, _b in sent] == [
        ("sms", "13900000001"), ("email", "liaison1@cacem-test.cn"),
        ("sms", "13900000002"), ("email", "liaison2@cacem-test.cn"),
        ("sms", "13900000001"), ("email", "liaison1@cacem-test.cn")]
    body = sent[0][2]
    # (the test association is named by its slug)
    assert body == ("联络员1，您好！贵方的cacem单位会员会籍（会员号CACEM00001）已迁移至"
                    "新会员系统。请访问 http://cacem.localhost:8000/first-login/ ，"
                    "输入档案中的手机号进行首次登录：系统将发送验证码，验证后设置密码。")
    member = client_for(admin, "cacem.localhost")
    assert "发送首次登录邀请" in member.get("/manage/members/CACEM00001/").content.decode()


def test_the_invitation_is_offered_only_while_the_member_has_no_password(cacem_units):
    """A member who has a password (their own first login done, or one who joined online) is
    helped by 重置登录, not invited to a first login: the member page offers no invitation."""
    from tenant_apps.records.tests.helpers import client_for, hq_admin

    with schema_context("cacem"):
        admin = hq_admin()
    staff = client_for(admin, "cacem.localhost")
    assert "发送首次登录邀请" in staff.get("/manage/members/CACEM00001/").content.decode()
    _send(cacem_units, "13900000001")
    cacem_units.post("/first-login/set/", {
        "identifier": "13900000001", "code": sms_code("13900000001"),
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    page = staff.get("/manage/members/CACEM00001/").content.decode()
    assert "发送首次登录邀请" not in page
    assert "重置登录" in page
    # the other unit has not logged in yet: still offered
    assert "发送首次登录邀请" in staff.get("/manage/members/CACEM00002/").content.decode()
    # and a hand-made request to invite them anyway is refused, nothing sent
    from tenant_apps.notifications.models import OutboxMessage

    with schema_context("cacem"):
        before = OutboxMessage.objects.filter(event="member_invited").count()
    refused = staff.post("/manage/members/CACEM00001/invite/", follow=True)
    assert "已经设置了密码" in refused.content.decode()
    with schema_context("cacem"):
        assert OutboxMessage.objects.filter(event="member_invited").count() == before
