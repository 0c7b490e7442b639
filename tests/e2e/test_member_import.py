"""Issue 11's "Done when": CACEM's administrator imports an Excel file of 1,000 legacy units
with 20 bad rows (the error report downloaded and read: 20 rows with reasons), imports the
rest, and one imported liaison completes 首次登录 on a phone and sees the unit's fee records."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenant_apps.imports.tests.helpers import cacem_row, uscc_for
from tests.e2e.conftest import fits_the_screen, screenshot, sms_code, solve_slider
from tests.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

UNITS = 1000
FIRST = 20001          # member numbers CACEM20001... (clear of the journeys' numbers)
LIAISON = "13800020007"


def _rows() -> list[list]:
    rows = []
    for n in range(UNITS):
        k = FIRST + n
        row = cacem_row(k, 会员号=f"CACEM{k}", 信用代码=uscc_for(k),
                        第一联络员手机=f"138{k:08d}", 第一联络员邮箱=f"u{k}@cacem-legacy.cn")
        if n % 50 == 49:       # every 50th unit has a bad credit code: 20 of 1,000
            row[1] = "ABC123"
        rows.append(row)
    return rows


def _workbook() -> bytes:
    from openpyxl import Workbook

    from tenant_apps.imports.tests.helpers import CACEM_HEADER

    book = Workbook(write_only=True)
    sheet = book.create_sheet("会员")
    sheet.append(CACEM_HEADER)
    for row in _rows():
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def clean_cacem(demo_tenants, django_db_blocker):
    """What the server commits here is removed afterwards, so the test runs again."""
    yield
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.files.models import PrivateFile
    from tenant_apps.imports.models import ImportMapping, MemberImport
    from tenant_apps.memberships.models import Membership

    with django_db_blocker.unblock(), schema_context("cacem"):
        members = Membership.objects.filter(number__startswith="CACEM2")
        users = list(members.values_list("user_id", flat=True))
        members.delete()
        User.objects.filter(pk__in=users).delete()
        files = [f for i in MemberImport.objects.all() for f in (i.file_id, i.checked_file_id)]
        MemberImport.objects.all().delete()
        ImportMapping.objects.all().delete()
        PrivateFile.objects.filter(pk__in=[f for f in files if f]).delete()
    connection.set_schema_to_public()


def test_hq_imports_1000_legacy_units_and_a_liaison_logs_in_for_the_first_time(
        server, desktop, phone, sms_gateway, clean_cacem, tmp_path, django_db_blocker):
    # The server writes batches of 250 rows (tests/conftest.py): the 980 rows are written by
    # two writers at once, as 100,000 are.
    base = f"http://cacem.localhost:{server}"
    page = desktop
    page.goto(f"{base}/login/?mode=password")
    page.fill("input[name=username]", "admin@cacem.test")
    page.fill("input[name=password]", PASSWORD)
    solve_slider(page)
    page.click("form[method=post] button[type=submit]")
    page.click("nav.topnav >> text=导入会员")
    page.select_option("select[name=member_type]", "unit")
    page.set_input_files("input[name=file]", files=[{
        "name": "老会员.xlsx", "buffer": _workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click("text=上传并对应列")
    page.wait_for_selector("table.mapping-table")
    # every column found by its label; the preview shows the first units
    assert page.locator("select[aria-label=企业中文全称]").input_value() == "field:company_name"
    assert page.locator("select[aria-label=已缴费年度]").input_value() == "paid_years"
    assert "中建测试第20001工程局有限公司" in page.locator("table.preview-table").inner_text()
    page.check("input[name=policy][value=skip]")
    page.click("text=校验全部行")
    page.wait_for_selector("#result")
    assert page.locator(".ok-rows").inner_text() == "980"
    assert page.locator(".invalid-rows").inner_text() == "20"
    screenshot(page, "import-checked-desktop")
    with page.expect_download() as download:
        page.click("text=下载错误报告（Excel）")
    path = tmp_path / "errors.xlsx"
    download.value.save_as(path)
    from openpyxl import load_workbook

    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("行号", "错误原因")
    assert len(rows) == 21
    assert [r[0] for r in rows[1:]] == [51 + 50 * i for i in range(20)]
    assert {r[1] for r in rows[1:]} == {"信用代码：不是有效的统一社会信用代码。"}
    page.click("text=导入 980 行")
    page.wait_for_selector(".import-members", timeout=60_000)
    assert page.locator(".p-created").inner_text() == "980"
    assert fits_the_screen(page)
    screenshot(page, "import-done-desktop")
    with django_db_blocker.unblock(), schema_context("cacem"):
        from tenant_apps.directory.models import DirectoryCount, DirectoryEntry
        from tenant_apps.memberships.models import Membership

        assert Membership.objects.filter(number__startswith="CACEM2").count() == 980
        # every imported unit in the member list, and counted once
        assert DirectoryEntry.objects.filter(number__startswith="CACEM2").count() == 980
        assert sum(DirectoryCount.objects.values_list("n", flat=True)) == \
            DirectoryEntry.objects.count()
    connection.set_schema_to_public()

    # a liaison of an imported unit: 首次登录 on a phone, then the unit's fee records
    phone.goto(f"{base}/login/")
    phone.click("text=首次登录（本系统上线前入会的老会员）")
    phone.fill("input[name=identifier]", LIAISON)
    solve_slider(phone)
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state()
    screenshot(phone, "first-login-code-sent-phone")
    assert "138****0007" in phone.locator(".destination").inner_text()
    phone.fill("input[name=code]", sms_code(sms_gateway, LIAISON))
    phone.fill("input[name=password1]", "Gongcheng-2026")
    phone.fill("input[name=password2]", "Gongcheng-2026")
    phone.click("text=设置密码并登录")
    phone.wait_for_url(f"{base}/member/")
    assert "CACEM20007" in phone.locator("main").inner_text()
    phone.goto(f"{base}/member/fees/")
    text = phone.locator("main").inner_text()
    for year in ("2019", "2020", "2021", "2022", "2023", "2024"):
        assert year in text
    assert fits_the_screen(phone), "the fee records scroll sideways on a phone"
    screenshot(phone, "first-login-fee-records-phone")
