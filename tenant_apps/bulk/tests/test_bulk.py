"""Bulk actions on the member list's filters or a selection: an Excel export of the chosen
columns (only the members in the asker's scope, only the asker downloads it), a staff
message through the outbox (count and confirmation first, placeholders filled per member),
adding members to a branch (one audit row each)."""

from __future__ import annotations

import io
import re

import pytest
from django_tenants.utils import schema_context

from tenant_apps.bulk.models import BulkJob
from tenant_apps.configuration.models import Branch
from tenant_apps.dashboards.tests.data import branch_admin_of, build

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _login(alpha, user):
    client = alpha.client()
    with schema_context("alpha"):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Post, then run what the request queued on commit (the job's task, the outbox),
    as the server does once its transaction commits."""

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


@pytest.fixture
def robot(alpha):
    """Seven members in 机器人分会, seven in 焊接分会 (numbers W...), the robot branch's
    administrator."""
    with schema_context("alpha"):
        build()
        build("welding", prefix="W")
        admin = branch_admin_of(Branch.objects.get(code="robot"))
    return _login(alpha, admin)


def _sheet(client, job_url):
    from openpyxl import load_workbook

    page = client.get(job_url)
    assert page.status_code == 200
    link = re.search(r'href="(/manage/members/jobs/[0-9a-f-]+/download/)"', text(page))
    assert link, text(page)
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content)
    return link.group(1), [list(r) for r in
                           load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_hq_exports_the_chosen_columns_of_a_filtered_list(robot, alpha, run):
    import datetime as dt

    client = alpha.client("hq_admin")
    form = client.get("/manage/members/export/?branch=robot&status=active")
    assert form.status_code == 200
    assert "列表中共 3 位会员" in text(form)
    assert 'value="field:employer"' in text(form)  # the record's fields by their labels
    done = run(client, "/manage/members/export/", {
        "filters": "branch=robot&status=active",
        "columns": ["number", "name", "type", "status", "branch", "joined", "valid_until",
                    "phone", "field:employer"]})
    assert done.status_code == 302
    _link, rows = _sheet(client, done["Location"])
    assert rows == [
        ["会员编号", "会员名称", "会员类型", "会员状态", "所属分支机构", "入会时间", "有效期至",
         "登录手机", "工作单位"],
        ["R0001", "张三", "普通会员", "正式会员", "机器人分会", dt.datetime(2026, 3, 10),
         dt.datetime(2026, 12, 31), "13912340001", "张三的单位"],
        ["R0002", "李四", "普通会员", "正式会员", "机器人分会", dt.datetime(2026, 3, 20),
         dt.datetime(2027, 1, 31), "13912340002", "李四的单位"],
        ["S0003", "王五", "高级会员", "正式会员", "机器人分会", dt.datetime(2025, 6, 1),
         dt.datetime(2027, 12, 31), "13912340003", "王五的单位"],
    ]
    progress = client.get(done["Location"] + "progress/").json()
    assert progress["status"] == "done" and progress["percent"] == 100
    assert progress["total"] == 3 and progress["done"] == 3


def test_a_branch_admin_exports_only_their_branch_masked_and_only_they_download(robot, alpha,
                                                                               run):
    # a selection naming a welding member too: it is not in the robot admin's scope
    done = run(robot, "/manage/members/export/", {
        "filters": "number=R0004&number=WR0004&number=R0001", "columns": ["number", "phone",
                                                                          "contacts"]})
    assert done.status_code == 302
    link, rows = _sheet(robot, done["Location"])
    assert rows == [["会员编号", "登录手机", "联系人"],
                    ["R0001", "139****0001", "本人 张三 139****0001"],
                    ["R0004", None, None]]
    # the file is the asker's alone: HQ gets 404 for the job, its progress and the file
    hq = alpha.client("hq_admin")
    for url in (done["Location"], done["Location"] + "progress/", link):
        assert hq.get(url).status_code == 404
    # and it expires
    with schema_context("alpha"):
        import datetime as dt

        from django.utils import timezone

        from tenant_apps.bulk.services import bulk_expire

        BulkJob.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        assert bulk_expire() == 1
    assert robot.get(link).status_code == 404
    assert "此文件已过期，请重新导出。" in text(robot.get(done["Location"]))


def test_bad_export_requests_are_refused_with_a_message_and_nothing_made(robot, alpha, run):
    refused = run(robot, "/manage/members/export/", {"filters": "status=active",
                                                     "columns": ["nothing"]})
    assert refused.status_code == 400
    assert "请至少选择一列。" in text(refused)
    bad = robot.get("/manage/members/export/?joined_from=2026-13-45")
    assert bad.status_code == 400
    with schema_context("alpha"):
        assert not BulkJob.objects.exists()
    assert alpha.client("finance").get("/manage/members/export/").status_code == 404
    assert alpha.client("member").get("/manage/members/message/").status_code == 404


def test_a_branch_admin_messages_the_active_members_of_their_branch(robot, alpha, run):
    from tenant_apps.notifications.models import InboxMessage, OutboxMessage

    compose = robot.get("/manage/members/message/?status=active")
    assert "列表中共 3 位会员" in text(compose)
    # each placeholder is told in words beside its code
    assert ('按每位会员自动填入： <span class="placeholder"><code>{name}</code> 姓名或单位名称'
            '</span> · <span class="placeholder"><code>{member_number}</code> 会员号</span>'
            ) in text(compose)
    data = {"filters": "status=active", "channels": ["inbox", "sms"],
            "subject": "年会通知", "body": "{name}，您好：{member_type}年会将于12月20日召开。"}
    confirm = run(robot, "/manage/members/message/", data)
    assert confirm.status_code == 200
    shown = text(confirm)
    assert "将通过站内信、短信发送给 3 位会员。" in shown
    assert "张三，您好：普通会员年会将于12月20日召开。" in shown
    with schema_context("alpha"):
        assert not OutboxMessage.objects.filter(event="staff_message").exists()
    sent = run(robot, "/manage/members/message/", {**data, "confirm": "yes"})
    assert sent.status_code == 302
    assert "已写入发送队列的消息：6 条" in text(robot.get(sent["Location"]))
    with schema_context("alpha"):
        rows = sorted((m.channel, m.address, m.body) for m in
                      OutboxMessage.objects.filter(event="staff_message"))
        inbox = sorted((m.user.username, m.title, m.body) for m in InboxMessage.objects.all())
    by_user = {"张三": "普通会员", "李四": "普通会员", "王五": "高级会员"}
    assert [r[:2] for r in rows if r[0] == "sms"] == [
        ("sms", "13912340001"), ("sms", "13912340002"), ("sms", "13912340003")]
    assert sorted(r[2] for r in rows if r[0] == "sms") == sorted(
        f"{n}，您好：{t}年会将于12月20日召开。" for n, t in by_user.items())
    assert inbox == [
        ("m-R0001", "年会通知", "张三，您好：普通会员年会将于12月20日召开。"),
        ("m-R0002", "年会通知", "李四，您好：普通会员年会将于12月20日召开。"),
        ("m-S0003", "年会通知", "王五，您好：高级会员年会将于12月20日召开。"),
    ]


def test_one_member_from_the_member_page_and_refusals(robot, alpha, run):
    from tenant_apps.notifications.models import OutboxMessage

    one = robot.get("/manage/members/message/?number=R0002")
    assert "已选 1 位会员 (R0002)" in text(one)
    assert '<a href="/manage/members/R0002/">返回会员页面</a>' in text(one)
    unknown = run(robot, "/manage/members/message/", {
        "filters": "number=R0002", "channels": ["inbox"], "subject": "通知",
        "body": "{name.__class__} 您好 {password}"})
    assert unknown.status_code == 400
    assert "无法识别的占位符 {name.__class__}、{password}" in text(unknown)
    no_way = run(robot, "/manage/members/message/", {"filters": "number=R0002",
                                                     "body": "您好"})
    assert no_way.status_code == 400 and "请至少选择一种发送方式。" in text(no_way)
    no_title = run(robot, "/manage/members/message/", {
        "filters": "number=R0002", "channels": ["email"], "body": "您好"})
    assert no_title.status_code == 400 and "发送邮件或站内信需要填写标题。" in text(no_title)
    # the list's "members ticked" with nothing ticked reaches nobody
    nobody = run(robot, "/manage/members/message/", {"query": "status=active"})
    assert "已选 0 位会员" in text(nobody)
    # a welding member is not the robot admin's: 0, nothing sent
    outside = run(robot, "/manage/members/message/", {
        "filters": "number=WR0001", "channels": ["inbox"], "subject": "通知", "body": "您好",
        "confirm": "yes"})
    assert outside.status_code == 400
    with schema_context("alpha"):
        assert not OutboxMessage.objects.filter(event="staff_message").exists()
        assert not BulkJob.objects.exists()


def test_hq_adds_a_selection_to_a_branch_with_an_audit_row_each(robot, alpha, run):
    from huiji.audit.models import AuditEntry
    from tenant_apps.records.models import MemberRecord

    assert robot.get("/manage/members/branch/?number=R0001").status_code == 403
    hq = alpha.client("hq_admin")
    page = hq.get("/manage/members/branch/?number=R0001&number=R0002")
    assert "已选 2 位会员" in text(page)
    assert hq.post("/manage/members/branch/", {"filters": "number=R0001&number=R0002",
                                               "branch": "nowhere"}).status_code == 400
    done = run(hq, "/manage/members/branch/", {"filters": "number=R0001&number=R0002",
                                               "branch": "welding", "reason": "专业调整"})
    assert done.status_code == 302
    assert "已调整的会员：2 位" in text(hq.get(done["Location"]))
    with schema_context("alpha"):
        moved = dict(MemberRecord.objects.filter(membership__number__in=["R0001", "R0002",
                                                                         "S0003"])
                     .values_list("membership__number", "branch__code"))
        audits = list(AuditEntry.objects.filter(action="record.branch_changed")
                      .values_list("reason", "data__changes"))
        from tenant_apps.directory.models import DirectoryEntry

        listed = dict(DirectoryEntry.objects.filter(number__in=["R0001", "R0002"])
                      .values_list("number", "branch__code"))
    assert moved == {"R0001": "welding", "R0002": "welding", "S0003": "robot"}
    assert audits == [("专业调整", {"branch": {"old": "robot", "new": "welding"}})] * 2
    assert listed == {"R0001": "welding", "R0002": "welding"}


def test_the_sheet_writer_round_trips_text_numbers_and_dates_through_openpyxl(tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    from tenant_apps.bulk.xlsx import SheetWriter

    path = tmp_path / "x.xlsx"
    with path.open("wb") as fh, SheetWriter(fh, "会员[1]") as sheet:
        sheet.header(["名称", "数", "日期"])
        sheet.row(["<b>&\"甲\"</b>\x07", 12, dt.date(2026, 12, 31)])
        sheet.row(["", None, "  前后空格  "])
    book = load_workbook(path)
    assert book.sheetnames == ["会员1"]
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [
        ["名称", "数", "日期"], ['<b>&"甲"</b>', 12, dt.datetime(2026, 12, 31)],
        [None, None, "  前后空格  "]]
    assert book.active["C2"].number_format == "yyyy-mm-dd"


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from openpyxl import load_workbook

    from tenant_apps.bulk.xlsx import SheetWriter

    path = tmp_path / "f.xlsx"
    with path.open("wb") as fh, SheetWriter(fh, "会员") as sheet:
        sheet.row(['=HYPERLINK("http://x.test","点我")'])
    cell = load_workbook(path).active["A1"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.test","点我")'


def _issued(numbers):
    """The members' certificates, issued by the one service as the write paths do."""
    from tenant_apps.certificates.services import certificates_refresh
    from tenant_apps.memberships.models import Membership

    for membership in Membership.objects.filter(number__in=numbers).order_by("number"):
        certificates_refresh(membership)


def _download(client, job_url):
    page = client.get(job_url)
    assert page.status_code == 200
    assert "已绘制证书" in text(page)
    link = re.search(r'href="(/manage/members/jobs/[0-9a-f-]+/download/)"', text(page))
    assert link, text(page)
    response = client.get(link.group(1))
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def test_hq_downloads_the_certificates_of_a_filtered_list_as_a_zip_and_as_one_pdf(
        robot, alpha, run):
    import zipfile

    import pypdfium2 as pdfium

    with schema_context("alpha"):
        _issued(["R0001", "R0002", "S0003", "W-R0001"])
    client = alpha.client("hq_admin")
    assert "下载证书" in text(client.get("/manage/members/?branch=robot"))
    form = client.get("/manage/members/certificates/?branch=robot&status=active")
    assert form.status_code == 200 and "列表中共 3 位会员" in text(form)
    done = run(client, "/manage/members/certificates/", {
        "filters": "branch=robot&status=active", "format": "zip"})
    assert done.status_code == 302
    response, content = _download(client, done["Location"])
    assert "下载 ZIP 文件" in text(client.get(done["Location"]))
    assert response["Content-Type"] == "application/zip"
    assert re.search(r'filename\*?=.*\.zip', response["Content-Disposition"])
    archive = zipfile.ZipFile(io.BytesIO(content))
    # Of the three active members only 王五 (senior) has a certificate in force: his paper
    # one; the others' electronic certificates wait for their photos.
    [name] = archive.namelist()
    assert re.fullmatch(r"ALPHA-20\d\d-000001\.pdf", name), name
    page = pdfium.PdfDocument(archive.read(name))[0].get_textpage().get_text_range()
    assert "王五" in page and "S0003" in page
    done = run(client, "/manage/members/certificates/", {
        "filters": "branch=robot&status=active", "format": "pdf"})
    response, content = _download(client, done["Location"])
    assert response["Content-Type"] == "application/pdf"
    assert len(pdfium.PdfDocument(content)) == 1


def test_certificates_download_is_for_certificate_staff_and_a_bad_format_changes_nothing(
        robot, alpha, run):
    with schema_context("alpha"):
        _issued(["R0001"])
    # the robot branch's administrator manages no certificates: no button, 403
    assert "下载证书" not in text(robot.get("/manage/members/"))
    assert robot.get("/manage/members/certificates/").status_code == 403
    client = alpha.client("hq_admin")
    bad = run(client, "/manage/members/certificates/", {"filters": "branch=robot",
                                                         "format": "exe"})
    assert bad.status_code == 400
    assert "请选择 ZIP 文件或一个 PDF。" in text(bad)
    with schema_context("alpha"):
        assert not BulkJob.objects.filter(kind="certificates").exists()
