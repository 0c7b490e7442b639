"""Issue 9 §4, the member-facing forms: what was typed stays after an error, referral rules
from the profile, a student's graduation in the future, uploads accepting what the page
says, exclusive choices. Through the real pages of the demo associations' profiles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.applications.models import Application
from tenant_apps.applications.services import application_start
from tenant_apps.applications.tests.helpers import PDF, PNG, applicant
from tenant_apps.configuration.models import MemberType
from tenant_apps.files.models import PrivateFile
from tenants.models import Association
from tenants.services import association_create

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"


def _association(slug: str, name: str) -> str:
    """A demo association with its own profile (jsgas, cacem, ...)."""
    if not Association.objects.filter(slug=slug).exists():
        association_create(acting_user=None, name=name, slug=slug, profile=slug,
                           admin_name="Admin", admin_email=f"a@{slug}.test",
                           admin_password="Admin-passw0rd-2026")
    return f"{slug}.localhost"


def _client(host: str, user) -> Client:
    client = Client(HTTP_HOST=host)
    with schema_context(host.split(".")[0]):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


# --- the start page (CMES: 推荐渠道) ------------------------------------------------------

@pytest.mark.django_db
def test_start_page_keeps_channel_name_and_number_after_a_refused_referrer(alpha):
    with schema_context("alpha"):
        person = applicant(301)
    client = _client(alpha.host, person)
    response = client.post("/apply/", {"member_type": "regular", "referral": "member",
                                       "referrer_name": "推荐人乙",
                                       "referrer_number": "E000000999S"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "没有与该姓名和会员号相符的会员。" in page
    assert 'value="member" data-kind="individual_member" selected' in page
    assert 'value="推荐人乙"' in page
    assert 'value="E000000999S"' in page
    assert 'value="regular" checked' in page
    with schema_context("alpha"):
        assert not Application.objects.filter(applicant=person).exists()


@pytest.mark.django_db
def test_cmes_requires_a_referral_channel(alpha):
    with schema_context("alpha"):
        person = applicant(302)
    client = _client(alpha.host, person)
    page = client.get("/apply/").content.decode()
    assert 'for="id_referral">您是如何了解到我们的？ <span class="req">*</span>' in page
    refused = client.post("/apply/", {"member_type": "regular", "referral": ""})
    assert refused.status_code == 400
    assert "请选择推荐渠道。" in refused.content.decode()
    api = client.post("/api/v1/applications/", {"member_type": "regular"},
                      content_type="application/json")
    assert api.status_code == 400
    assert api.json()["error"]["field"] == "referral"
    with schema_context("alpha"):
        assert not Application.objects.filter(applicant=person).exists()
    started = client.post("/apply/", {"member_type": "regular", "referral": "other"})
    assert started.status_code == 302
    with schema_context("alpha"):
        app = Application.objects.get(applicant=person)
        assert app.referral_channel.code == "other"
        assert app.referral_branch.code == "hq"  # 默认推荐单位：学会工作总部


@pytest.mark.django_db
def test_unit_member_referral_is_offered_only_with_unit_member_types(alpha):
    with schema_context("alpha"):
        person = applicant(303)
    client = _client(alpha.host, person)
    assert "单位会员推荐" not in client.get("/apply/").content.decode()  # CMES: no units
    refused = client.post("/apply/", {"member_type": "regular", "referral": "unit",
                                      "referrer_name": "某单位", "referrer_number": "U1"})
    assert refused.status_code == 400
    assert "请从列表中选择推荐渠道。" in refused.content.decode()
    with schema_context("alpha"):
        assert not Application.objects.filter(applicant=person).exists()
        MemberType.objects.create(code="unit_x", name="单位会员", kind="unit", level=1)
    assert "单位会员推荐" in client.get("/apply/").content.decode()


# --- the wizard's steps --------------------------------------------------------------------

def _student(n: int):
    with schema_context("alpha"):
        person = applicant(n)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="student"))
    return person, app


@pytest.mark.django_db
def test_a_students_graduation_must_be_after_today(alpha):
    person, app = _student(304)
    client = _client(alpha.host, person)
    today = timezone.localdate()
    fields = {"school": "清华大学", "major": "机械工程", "grade": "研究生一年",
              "region_province": "110000", "region_city": "110101"}
    response = client.post(f"/apply/{app.public_id}/step/1/", {
        **fields, "action": "next", "graduation_date": today.isoformat()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "日期须晚于今天。" in page
    assert 'value="清华大学"' in page and f'value="{today.isoformat()}"' in page
    with schema_context("alpha"):
        app.refresh_from_db()
        assert "graduation_date" not in app.answers
        assert app.answers["school"] == "清华大学"  # the valid answers are kept
    later = (today + dt.timedelta(days=400)).isoformat()
    response = client.post(f"/apply/{app.public_id}/step/1/", {
        **fields, "action": "next", "graduation_date": later})
    assert response.status_code == 302
    with schema_context("alpha"):
        app.refresh_from_db()
        assert app.answers["graduation_date"] == later


@pytest.mark.django_db
def test_a_refused_picture_keeps_everything_else_typed(db):
    host = _association("jsgas", "江苏省燃气热力协会")
    with schema_context("jsgas"):
        person = applicant(305)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="unit"))
    client = _client(host, person)
    response = client.post(f"/apply/{app.public_id}/step/0/", {
        "action": "next", "unit_name": "南京港华燃气有限公司", "industry": "燃气",
        "join_body": "hq", "address": "南京市玄武区",
        "logo": SimpleUploadedFile("logo.gif", GIF)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请上传图片（JPG、PNG 格式）。" in page  # GIF is refused where the page says jpg/png
    assert 'value="南京港华燃气有限公司"' in page and 'value="南京市玄武区"' in page
    assert '<option value="燃气" selected>' in page
    assert 'accept="image/jpeg,.jpg,.jpeg,image/png,.png"' in page
    with schema_context("jsgas"):
        app.refresh_from_db()
        assert "logo" not in app.answers
        assert app.answers["unit_name"] == "南京港华燃气有限公司"
        assert not PrivateFile.objects.filter(owner=person).exists()


@pytest.mark.django_db
def test_a_wrong_liaison_number_keeps_the_liaisons_typed(db):
    host = _association("cacem", "中国施工企业管理协会")
    with schema_context("cacem"):
        person = applicant(306)
        mtype = MemberType.objects.get(code="unit")
        app = application_start(applicant=person, member_type=mtype,
                                rank=mtype.ranks.get(code="regular"))
    client = _client(host, person)
    # step 0 is the registration form, 1 企业信息, 2 联络员
    response = client.post(f"/apply/{app.public_id}/step/2/", {
        "action": "next", "liaisons-0-liaison_name": "张联络",
        "liaisons-0-liaison_department": "办公室", "liaisons-0-liaison_position": "主任",
        "liaisons-0-liaison_mobile": "123", "liaisons-0-liaison_email": "zhang@example.test",
        "liaisons-1-liaison_name": "李二"})
    assert response.status_code == 400
    page = response.content.decode()
    for typed in ("张联络", "办公室", "主任", "123", "zhang@example.test", "李二"):
        assert f'value="{typed}"' in page, typed


@pytest.mark.django_db
def test_exclusive_choice_is_refused_with_others_and_marked_on_the_page(db):
    host = _association("cacem", "中国施工企业管理协会")
    with schema_context("cacem"):
        person = applicant(307)
        mtype = MemberType.objects.get(code="unit")
        app = application_start(applicant=person, member_type=mtype,
                                rank=mtype.ranks.get(code="regular"))
    client = _client(host, person)
    url = f"/apply/{app.public_id}/step/3/"  # 资质信息
    page = client.get(url).content.decode()
    assert 'value="无" data-exclusive' in page
    assert 'value="建筑工程">' in page  # the others are not exclusive
    assert "huiji/exclusive" in page and "<script>" not in page  # no inline script
    response = client.post(url, {"action": "next",
                                 "special_qualification": ["建筑工程", "无"]})
    assert response.status_code == 400
    assert "“无”不能与其他选项同时选择。" in response.content.decode()
    with schema_context("cacem"):
        app.refresh_from_db()
        assert "special_qualification" not in app.answers
    assert client.post(url, {"action": "next", "special_qualification": ["无"]}) \
        .status_code == 302
    assert client.post(url, {"action": "next",
                             "special_qualification": ["建筑工程", "公路工程"]}) \
        .status_code == 302


# --- uploads: what the page says is what the server takes ----------------------------------

@pytest.mark.django_db
def test_jsgas_registration_form_takes_its_own_pdf_and_licence_refuses_gif(db):
    host = _association("jsgas", "江苏省燃气热力协会")
    with schema_context("jsgas"):
        person = applicant(308)
        app = application_start(applicant=person,
                                member_type=MemberType.objects.get(code="unit"))
    client = _client(host, person)
    url = f"/apply/{app.public_id}/uploads/"
    page = client.get(url).content.decode()
    # the line each row shows and the picker's accept come from the same formats
    assert "JPG、PNG、PDF、DOC、DOCX、XLSX、PPTX、ZIP、RAR、7Z" in page  # 会员登记表
    assert "JPG、PNG · " in page                                      # 营业执照
    stored = client.post(url, {"requirement": "member_registration_form",
                               "file": SimpleUploadedFile("登记表.doc", PDF)})
    assert stored.status_code == 302
    refused = client.post(url, {"requirement": "business_licence",
                                "file": SimpleUploadedFile("执照.png", GIF)})
    assert refused.status_code == 400
    assert "不支持该文件类型（支持：JPG、PNG）。" in refused.content.decode()
    assert client.post(url, {"requirement": "business_licence",
                             "file": SimpleUploadedFile("执照.png", PNG)}).status_code == 302
    with schema_context("jsgas"):
        names = sorted(u.file.original_name for u in app.uploads.select_related("file"))
        assert names == ["执照.png", "登记表.pdf"]  # stored under the sniffed extension


# --- the level change page -----------------------------------------------------------------

@pytest.mark.django_db
def test_level_change_keeps_the_chosen_level_and_reason_after_an_error(alpha):
    from tenant_apps.memberships.services import membership_activate

    with schema_context("alpha"):
        person = applicant(309)
        membership_activate(acting_user=None, user=person,
                            member_type=MemberType.objects.get(code="student"), rank=None,
                            years=1, answers={"graduation_date": "2030-06-30"})
    client = _client(alpha.host, person)
    page = client.get("/member/level-change/").content.decode()
    assert 'value="regular:" checked' in page  # the first level is offered first
    response = client.post("/member/level-change/", {"target": "senior:", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写变更原因。" in page
    assert 'value="senior:" checked' in page
    assert 'value="regular:" checked' not in page
