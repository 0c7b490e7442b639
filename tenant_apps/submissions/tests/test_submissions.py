"""企业投稿 on CAQ: a unit sends a Word document, staff publish it or turn it down, the public
reads 会员动态. Documents are checked by content; what is asserted is what a person reads."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.records.tests.helpers import client_for, hq_admin, member, provision
from tenant_apps.submissions.models import Submission
from tenant_apps.submissions.state import TRANSITIONS, check_transition
from tenants.demo_submissions import docx_bytes

pytestmark = pytest.mark.django_db
HOST = "caq.localhost"


def _docx(*paragraphs: str, name: str = "20260901投稿.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, docx_bytes(list(paragraphs)))


def _unit(n: int):
    provision("caq")
    with schema_context("caq"):
        return member("unit", n, rank="regular")


def test_a_unit_submits_staff_publish_and_the_public_reads_it():
    unit = _unit(5101)
    client = client_for(unit.user, HOST)
    page = client.get("/member/submissions/").content.decode()
    assert "企业投稿" in page and "投稿要求" in page and "投稿记录" in page
    assert "文档标题命名格式“日期+企业名称+投稿”" in page
    token = str(uuid.uuid4())
    for _ in range(2):  # the same page posted twice: one submission
        response = client.post("/member/submissions/", {
            "title": "质量月活动<script>", "token": token,
            "document": _docx("第一段<b>不是标签</b>", "第二段")})
        assert response.status_code == 302
    with schema_context("caq"):
        submission = Submission.objects.get(membership=unit)
        assert submission.body == "第一段<b>不是标签</b>\n第二段"
        assert submission.document.original_name == "20260901投稿.docx"
    mine = client.get("/member/submissions/").content.decode()
    assert "待审核" in mine and "质量月活动&lt;script&gt;" in mine

    staff = client_for(_admin(), HOST)
    queue = staff.get("/manage/submissions/").content.decode()
    assert "质量月活动&lt;script&gt;" in queue
    url = f"/manage/submissions/{submission.public_id}/"
    assert staff.post(url, {"action": "retitle", "title": "开展质量月活动"}).status_code == 302
    assert staff.post(url, {"action": "publish"}).status_code == 302
    again = staff.post(url, {"action": "publish"})  # a second click: refused, nothing changed
    assert again.status_code == 409 and "不能从" in again.content.decode()

    anyone = _anonymous()
    news = anyone.get("/news/").content.decode()
    assert "开展质量月活动" in news and submission.author_name in news
    article = anyone.get(f"/news/{submission.public_id}/").content.decode()
    assert "<p>第一段&lt;b&gt;不是标签&lt;/b&gt;</p>" in article
    document = anyone.get(f"/news/{submission.public_id}/document/")
    assert document.status_code == 200
    assert document["Content-Disposition"].startswith("attachment")
    assert "已发布" in client.get("/member/submissions/").content.decode()


def _admin():
    with schema_context("caq"):
        return hq_admin()


def _anonymous():
    from django.test import Client

    return Client(HTTP_HOST=HOST)


def test_turned_down_with_a_reason_then_sent_again():
    unit = _unit(5102)
    client = client_for(unit.user, HOST)
    client.post("/member/submissions/", {"title": "公司简介", "document": _docx("简介")})
    with schema_context("caq"):
        submission = Submission.objects.get(membership=unit)
    staff = client_for(_admin(), HOST)
    url = f"/manage/submissions/{submission.public_id}/"
    empty = staff.post(url, {"action": "reject", "reason": " "})
    assert empty.status_code == 400 and "请填写原因" in empty.content.decode()
    staff.post(url, {"action": "reject", "reason": "请围绕质量活动撰写"})
    mine = client.get("/member/submissions/").content.decode()
    assert "未通过" in mine and "请围绕质量活动撰写" in mine and "重新投稿" in mine
    assert _anonymous().get(f"/news/{submission.public_id}/").status_code == 404
    again = client.post(f"/member/submissions/{submission.public_id}/resubmit/",
                        {"title": "质量管理经验", "document": _docx("经验")})
    assert again.status_code == 302
    with schema_context("caq"):
        submission.refresh_from_db()
        assert (submission.status, submission.reason, submission.title) == (
            "pending", "", "质量管理经验")


@pytest.mark.parametrize("name, content, message", [
    ("virus.docx", b"MZ\x90\x00" + b"\x00" * 200, "只能提交 Word 文档"),
    ("fake.doc", b"%PDF-1.4 not word", "只能提交 Word 文档"),
    ("sheet.docx", None, "只能提交 Word 文档"),  # an Excel file renamed
    ("big.docx", b"x" * (10 * 1024 * 1024 + 1), "大于 10 MB"),
])
def test_only_word_documents_by_content_and_size(name, content, message):
    unit = _unit(5103)
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
        content = buffer.getvalue()
    client = client_for(unit.user, HOST)
    response = client.post("/member/submissions/", {
        "title": "标题", "document": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context("caq"):
        assert not Submission.objects.filter(membership=unit).exists()


def test_a_word_97_document_is_accepted_without_text():
    unit = _unit(5104)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "WordDocument".encode(
        "utf-16-le") + b"\x00" * 100
    client = client_for(unit.user, HOST)
    response = client.post("/member/submissions/", {
        "title": "旧格式", "document": SimpleUploadedFile("a.doc", ole)})
    assert response.status_code == 302
    with schema_context("caq"):
        submission = Submission.objects.get(membership=unit)
        assert submission.body == "" and submission.document.original_name == "a.doc"


def test_off_where_the_profile_does_not_take_submissions():
    provision("cmes")
    client = _anonymous()
    client.defaults["HTTP_HOST"] = "cmes.localhost"
    assert client.get("/news/").status_code == 404
    with schema_context("cmes"):
        admin = hq_admin()
    assert client_for(admin, "cmes.localhost").get("/manage/submissions/").status_code == 404


def test_staff_list_queries_do_not_grow_with_rows(django_assert_max_num_queries):
    unit = _unit(5105)
    client = client_for(unit.user, HOST)
    staff = client_for(_admin(), HOST)
    staff.get("/manage/submissions/?status=all")
    for n in range(4):
        client.post("/member/submissions/", {"title": f"稿件{n}", "document": _docx("正文")})
    with django_assert_max_num_queries(12):
        page = staff.get("/manage/submissions/?status=all")
    assert page.content.decode().count('class="submission-row"') >= 4
    with django_assert_max_num_queries(6):
        assert _anonymous().get("/news/").status_code == 200


def test_transitions_as_written_by_hand():
    allowed = {("pending", "published"), ("pending", "rejected"), ("rejected", "pending")}
    for current in TRANSITIONS:
        for target in TRANSITIONS:
            if (current, target) in allowed:
                check_transition(current, target)
            else:
                with pytest.raises(AppError):
                    check_transition(current, target)


def test_the_member_is_told_of_each_decision_by_sms_and_inbox_once():
    from tenant_apps.notifications.models import OutboxMessage

    unit = _unit(5106)
    client = client_for(unit.user, HOST)
    client.post("/member/submissions/", {"title": "质量月活动纪实", "document": _docx("纪实")})
    with schema_context("caq"):
        submission = Submission.objects.get(membership=unit)
        assert not OutboxMessage.objects.filter(recipient=unit.user,
                                                event__startswith="submission").exists()
    staff = client_for(_admin(), HOST)
    url = f"/manage/submissions/{submission.public_id}/"
    staff.post(url, {"action": "retitle", "title": "质量月活动纪实（修订）"})  # tells nobody
    staff.post(url, {"action": "reject", "reason": "请补充活动照片。"})
    with schema_context("caq"):
        sent = {m.channel: m for m in OutboxMessage.objects.filter(
            recipient=unit.user, event="submission_rejected")}
    assert set(sent) == {"sms", "inbox"}
    assert sent["sms"].address == "13900005106"
    assert sent["sms"].body == (
        "很抱歉，您的投稿《质量月活动纪实（修订）》未通过审核，原因：请补充活动照片。"
        "您可在企业投稿页面重新投稿：http://caq.localhost:8000/member/submissions/")
    assert sent["inbox"].subject == "投稿未通过审核"
    assert sent["inbox"].body == (
        "您的投稿《质量月活动纪实（修订）》未通过审核，原因：请补充活动照片。"
        "请修改后在企业投稿页面重新投稿：http://caq.localhost:8000/member/submissions/")

    client.post(f"/member/submissions/{submission.public_id}/resubmit/",
                {"title": "质量月活动纪实", "document": _docx("纪实", "照片见附件")})
    staff.post(url, {"action": "publish"})
    again = staff.post(url, {"action": "publish"})  # a second click: refused, nothing sent
    assert again.status_code == 409
    with schema_context("caq"):
        sent = list(OutboxMessage.objects.filter(recipient=unit.user,
                                                 event="submission_published"))
    assert sorted(m.channel for m in sent) == ["inbox", "sms"]
    sms = next(m for m in sent if m.channel == "sms")
    # {association}: "caq" where provision() made it, 中国质量协会 where a test before made it
    # from the profile
    from tenants.models import Association

    name = Association.objects.get(slug="caq").name
    assert sms.body == (f"您的投稿《质量月活动纪实》已审核通过，并已在{name}会员动态栏目发布："
                        f"http://caq.localhost:8000/news/{submission.public_id}/")
