"""The import pages: who may open them, bad files refused with a message (400, nothing kept),
the mapping page's preview and its query count, the progress endpoint."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.imports.tests.helpers import cacem_row, csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    from tenant_apps.records.tests.helpers import client_for, hq_admin, provision

    with schema_context(provision("cacem")):
        admin = hq_admin()
    return client_for(admin, "cacem.localhost")


def _imports_count() -> int:
    from tenant_apps.imports.models import MemberImport

    with schema_context("cacem"):
        return MemberImport.objects.count()


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("members.xlsx", b"%PDF-1.4 not a sheet", "application/pdf"),
     "该文件不是 Excel 工作簿（.xlsx）或 CSV 文件。"),
    (SimpleUploadedFile("members.csv", b"\x81\x20\xff\xfe,\x81\x20", "text/csv"),
     "CSV 文件既不是 UTF-8 也不是 GBK 编码的文本。"),
    (SimpleUploadedFile("members.csv", b"", "text/csv"), "文件是空的。"),
    (SimpleUploadedFile("members.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
     "这是旧版 Excel 文件（.xls），请另存为 .xlsx（Excel 工作簿）或 CSV 后重新上传。"),
    (SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 100),
     "该文件不是 Excel 工作簿（.xlsx）或 CSV 文件。"),
    (SimpleUploadedFile("members.csv", "企业中文全称,信用代码\n".encode(), "text/csv"),
     "文件只有表头，没有会员数据。"),
])
def test_a_file_that_is_no_member_list_is_refused_with_a_message(staff, upload, message):
    response = staff.post("/manage/imports/", {"member_type": "unit", "file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _imports_count() == 0


def test_a_file_too_large_is_refused(staff, monkeypatch):
    from tenant_apps.imports import parsing

    monkeypatch.setattr(parsing, "MAX_BYTES", 1024)
    upload = csv_upload([cacem_row(n) for n in range(1, 20)])
    response = staff.post("/manage/imports/", {"member_type": "unit", "file": upload})
    assert response.status_code == 400
    assert "文件大小超过 0 MB。" in response.content.decode()
    assert _imports_count() == 0


def test_no_file_and_an_unknown_type_are_refused(staff):
    response = staff.post("/manage/imports/", {"member_type": "unit"})
    assert response.status_code == 400 and "请选择要上传的文件。" in response.content.decode()
    response = staff.post("/manage/imports/", {"member_type": "nobody",
                                               "file": csv_upload([cacem_row(1)])})
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()


def test_only_hq_administrators_open_the_import_pages(db):
    from tenant_apps.accounts.models import Role
    from tenant_apps.accounts.services import user_create
    from tenant_apps.records.tests.helpers import client_for, provision

    with schema_context(provision("cacem")):
        reviewer = user_create(acting_user=None, name="审核员", username="imp-reviewer",
                               password="Review-passw0rd-2026", roles=[Role.REVIEWER])
    client = client_for(reviewer, "cacem.localhost")
    response = client.get("/manage/imports/")
    assert response.status_code == 403
    assert "只有协会管理员可以导入会员。" in response.content.decode()
    assert "导入会员" not in client.get("/review/").content.decode().split("<main")[0]


def test_upload_maps_previews_and_checks_with_queries_that_do_not_grow(staff):
    response = staff.post("/manage/imports/", {
        "member_type": "unit", "file": xlsx_upload([cacem_row(n) for n in range(1, 4)])})
    assert response.status_code == 302
    page_url = response["Location"]
    page = staff.get(page_url).content.decode()
    assert '<option value="field:company_name" selected>企业中文全称 *</option>' in page
    assert "中建测试第3工程局有限公司" in page        # the preview
    assert "法人代表" in page
    assert "paid-years-missing" not in page  # the file gives 已缴费年度
    with CaptureQueriesContext(connection) as few:
        staff.get(page_url)
    many = xlsx_upload([cacem_row(n) for n in range(1, 60)])
    response = staff.post("/manage/imports/", {"member_type": "unit", "file": many})
    with CaptureQueriesContext(connection) as more:
        staff.get(response["Location"])
    assert len(more) == len(few) <= 12
    # checking with a column left out that is required: 400, said beside the mapping
    form = {f"col_{i}": key for i, key in enumerate([
        "field:company_name", "field:credit_code", "field:industry", "field:business_field",
        "field:region", "field:address", "field:postcode", "", "field:company_type",
        "field:affiliated_system", "field:company_profile", "field:special_qualification",
        "group:0:liaison_name", "group:0:liaison_department", "group:0:liaison_position",
        "group:0:liaison_mobile", "group:0:liaison_email", "number", "rank", "valid_from",
        "valid_until", "paid_years"])}
    response = staff.post(page_url + "check/", {**form, "policy": "skip"})
    assert response.status_code == 400
    assert "以下必填项没有对应的列：法人代表。" in response.content.decode()
    form["col_7"] = "field:legal_representative"
    response = staff.post(page_url + "check/", {**form, "policy": "nothing"})
    assert response.status_code == 400
    assert "请选择如何处理已有会员。" in response.content.decode()
    response = staff.post(page_url + "check/", {**form, "policy": "skip"})
    assert response.status_code == 302
    page = staff.get(page_url).content.decode()
    assert '<span class="stat-n ok-rows">3</span>' in page
    assert "导入 3 行" in page
    with schema_context("cacem"):  # the dashboard's figures as they were before the import
        from tenant_apps.dashboards.services import dashboard_refresh

        dashboard_refresh()
    response = staff.post(page_url + "start/")
    assert response.status_code == 302
    progress = staff.get(page_url + "progress/").json()
    assert (progress["status"], progress["done"], progress["total"], progress["percent"],
            progress["created"], progress["finished"]) == ("done", 3, 3, 100, 3, True)
    page = staff.get(page_url).content.decode()
    assert "邀请全部会员首次登录" in page and "CACEM00003" in page
    # the dashboard counts them at once, as the member list does
    dashboard = staff.get("/manage/dashboard/").content.decode()
    assert ('<a class="stat" href="/manage/members/?status=active"><span class="stat-n">3</span>'
            '<span class="stat-l">有效会员</span></a>') in dashboard


def test_a_file_without_the_years_paid_is_warned_before_anything_is_written(staff):
    """Without 已缴费年度 every year since joining shows as owed in 缴费记录 after the import
    (a unit valid until 2026 showed 2019-2026 all 欠费): the mapping page says so first."""
    from tenant_apps.imports.tests.helpers import CACEM_HEADER

    header = [h for h in CACEM_HEADER if h != "已缴费年度"]
    rows = [row[:-1] for row in (cacem_row(1), cacem_row(2))]
    assert CACEM_HEADER[-1] == "已缴费年度"
    response = staff.post("/manage/imports/", {
        "member_type": "unit", "file": csv_upload(rows, header=header)})
    page = staff.get(response["Location"]).content.decode()
    assert ('<p class="notice paid-years-missing">没有对应“已缴费年度”的列：'
            '从入会到有效期截止的时间将记为已缴费。'
            '如文件中记有已缴费年度，请选择对应的列。</p>') in page
