"""Importing CACEM's legacy units: reading the file, checking every row, duplicates, writing,
numbers, fee records. Expected values are written out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.imports.tests.helpers import (
    CACEM_HEADER,
    cacem_row,
    csv_upload,
    uscc_for,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cacem(db):
    from tenant_apps.records.tests.helpers import provision

    with schema_context(provision("cacem")):
        yield


def _admin():
    from tenant_apps.records.tests.helpers import hq_admin

    return hq_admin()


def _unit():
    from tenant_apps.configuration.models import MemberType

    return MemberType.objects.get(code="unit")


def _checked(upload, policy="skip", mapping=None):
    from tenant_apps.imports.services import import_check, import_upload

    imp = import_upload(acting_user=_admin(), uploaded=upload, member_type=_unit())
    return import_check(acting_user=_admin(), member_import=imp,
                        mapping=imp.mapping if mapping is None else mapping, policy=policy)


def _imported(upload, policy="skip"):
    from tenant_apps.imports.services import import_run, import_start

    imp = _checked(upload, policy)
    import_start(acting_user=_admin(), member_import=imp)
    return import_run(imp.pk)


def _errors(imp) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in imp.errors]


def test_a_gbk_csv_maps_itself_by_the_profiles_labels_and_imports(cacem):
    from tenant_apps.memberships.models import Membership

    upload = csv_upload([cacem_row(1)], encoding="gbk")
    imp = _checked(upload)
    assert imp.mapping == {
        "0": "field:company_name", "1": "field:credit_code", "2": "field:industry",
        "3": "field:business_field", "4": "field:region", "5": "field:address",
        "6": "field:postcode", "7": "field:legal_representative", "8": "field:company_type",
        "9": "field:affiliated_system", "10": "field:company_profile",
        "11": "field:special_qualification", "12": "group:0:liaison_name",
        "13": "group:0:liaison_department", "14": "group:0:liaison_position",
        "15": "group:0:liaison_mobile", "16": "group:0:liaison_email", "17": "number",
        "18": "rank", "19": "valid_from", "20": "valid_until", "21": "paid_years"}
    assert imp.errors == []
    from tenant_apps.imports.services import import_run, import_start

    import_start(acting_user=_admin(), member_import=imp)
    imp = import_run(imp.pk)
    assert (imp.status, imp.created_count, imp.done_rows) == ("done", 1, 1)
    m = Membership.objects.select_related("rank", "record", "user").get(number="CACEM00001")
    assert (m.rank.name, m.valid_from, m.valid_until, m.status) == (
        "理事单位", dt.date(2019, 3, 1), dt.date(2024, 12, 31), "active")
    assert m.record.values["company_name"] == "中建测试第1工程局有限公司"
    assert m.record.values["region"] == {"province": "110000", "city": "110108"}
    assert m.record.values["special_qualification"] == ["建筑工程", "公路工程"]
    assert [(c.role, c.name, c.mobile, c.email) for c in m.record.contacts.all()] == [
        ("第一联络员", "联络员1", "13900000001", "liaison1@cacem-test.cn")]
    assert m.record.branch.code == "hq"
    assert not m.user.has_usable_password()
    periods = list(m.periods.values_list("kind", "starts_on", "ends_on", "years"))
    assert periods == [("imported", dt.date(2019, 1, 1), dt.date(2024, 12, 31), 6)]


def test_an_xlsx_file_with_excel_dates_and_numbers_reads_the_same(cacem):
    from tenant_apps.memberships.models import Membership

    row = cacem_row(2)
    row[CACEM_HEADER.index("入会时间")] = dt.datetime(2020, 5, 6)
    row[CACEM_HEADER.index("第一联络员手机")] = 13900000002      # a number cell
    row[CACEM_HEADER.index("邮编")] = 100037
    imp = _imported(xlsx_upload([row]))
    assert (imp.status, imp.created_count) == ("done", 1)
    m = Membership.objects.get(number="CACEM00002")
    assert m.valid_from == dt.date(2020, 5, 6)
    assert m.record.values["postcode"] == "100037"
    assert m.record.contacts.get().mobile == "13900000002"


def test_every_bad_value_is_refused_with_its_row_column_and_reason_before_writing(cacem):
    from tenant_apps.memberships.models import Membership

    rows = [
        cacem_row(1),
        cacem_row(2, 信用代码="91110000000000002X"),
        cacem_row(3, 第一联络员手机="1390000000"),
        cacem_row(4, 入会时间="2019-13-01"),
        cacem_row(5, 所属行业="航天工程"),
        cacem_row(6, 会员级别="名誉会长单位"),
        cacem_row(7, 企业中文全称=""),
        cacem_row(8, 邮编="1000"),
        cacem_row(9, 已缴费年度="去年"),
        cacem_row(10, 所在省市="火星"),
        cacem_row(11, 有效期至="2018-12-31"),
    ]
    imp = _checked(csv_upload(rows))
    assert _errors(imp) == [
        (3, "信用代码", "不是有效的统一社会信用代码。"),
        (4, "第一联络员手机", "请输入有效的电话号码（手机号，或带区号的固定电话）。"),
        (5, "入会时间", "请按 YYYY-MM-DD 格式输入日期。"),
        (6, "所属行业", "请从列表中选择。"),
        (7, "会员级别", "未知的会员级别“名誉会长单位”。"),
        (8, "企业中文全称", "此项为必填项。"),
        (9, "邮编", "邮政编码为 6 位数字。"),
        (10, "已缴费年度", "请按 2023,2024 或 2023-2025 的格式填写缴费年度。"),
        (11, "所在省市", "请选择省份。"),
        (12, "有效期至", "会籍有效期早于入会时间。"),
    ]
    assert imp.invalid_rows == 10
    assert Membership.objects.count() == 0   # nothing is written by checking


def test_the_error_report_lists_each_refused_row_with_its_reasons_and_cells(cacem):
    import io

    from openpyxl import load_workbook

    from tenant_apps.imports.reports import error_report_xlsx

    imp = _checked(csv_upload([cacem_row(1), cacem_row(2, 信用代码="123", 邮编="1",
                                                    法人代表="=HYPERLINK(\"http://x\")")]))
    sheet = load_workbook(io.BytesIO(error_report_xlsx(imp))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["行号", "错误原因", "企业中文全称"]
    assert len(rows) == 2
    assert rows[1][:3] == [3, "信用代码：不是有效的统一社会信用代码。邮编：邮政编码为 6 位数字。",
                           "中建测试第2工程局有限公司"]
    # text from the file stays text: no formula for Excel to run
    legal = CACEM_HEADER.index("法人代表") + 2
    assert rows[1][legal] == '=HYPERLINK("http://x")'
    cell = sheet.cell(row=2, column=legal + 1)
    assert cell.data_type == "s"


def test_a_required_field_without_a_column_is_refused_at_the_mapping(cacem):
    from tenant_apps.imports.services import import_check, import_upload

    imp = import_upload(acting_user=_admin(), uploaded=csv_upload([cacem_row(1)]),
                        member_type=_unit())
    mapping = {k: v for k, v in imp.mapping.items() if v != "field:legal_representative"}
    with pytest.raises(AppError) as refused:
        import_check(acting_user=_admin(), member_import=imp, mapping=mapping, policy="skip")
    assert refused.value.message == "以下必填项没有对应的列：法人代表。"


def test_rows_repeating_an_earlier_row_are_refused_naming_it(cacem):
    rows = [cacem_row(1), cacem_row(2, 会员号="CACEM00001"),
            cacem_row(3, 第一联络员手机="13900000001"), cacem_row(4, 信用代码=uscc_for(1))]
    imp = _checked(csv_upload(rows))
    assert _errors(imp) == [
        (3, "", "与本文件第 2 行重复（会员号相同）。"),
        (4, "", "与本文件第 2 行重复（手机号相同）。"),
        (5, "", "与本文件第 2 行重复（信用代码相同）。"),
    ]


def test_existing_members_are_skipped_updated_or_filled_as_chosen(cacem):
    from tenant_apps.memberships.models import Membership

    first = _imported(csv_upload([cacem_row(1), cacem_row(2)]))
    assert first.created_count == 2
    # the same file again, skipping: nothing added, nothing changed (idempotent)
    again = _imported(csv_upload([cacem_row(1), cacem_row(2)]))
    assert (again.existing_rows, again.created_count, again.skipped_count) == (2, 0, 2)
    assert Membership.objects.count() == 2
    # update: the file's values replace; recognised by the credit code alone
    record = Membership.objects.get(number="CACEM00001").record
    record.values = {**record.values, "legal_representative": "", "postcode": "100000"}
    record.save()
    changed = cacem_row(1, 会员号="", 法人代表="新法人", 邮编="100038")
    imp = _imported(csv_upload([changed]), policy="fill")
    assert (imp.updated_count, imp.created_count) == (1, 0)
    record.refresh_from_db()
    assert (record.values["legal_representative"], record.values["postcode"]) == (
        "新法人", "100000")   # the blank filled, the value kept
    imp = _imported(csv_upload([changed]), policy="update")
    record.refresh_from_db()
    assert record.values["postcode"] == "100038"
    assert Membership.objects.count() == 2
    from huiji.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="members.imported").count() == 4


def test_imported_numbers_are_kept_and_new_members_get_the_next_free_one(cacem):
    from tenant_apps.records.tests.helpers import member

    _imported(csv_upload([cacem_row(1, 会员号="CACEM00041"), cacem_row(2, 会员号="CACEM00007"),
                          cacem_row(3, 会员号="")]))
    from tenant_apps.memberships.models import Membership

    assert sorted(Membership.objects.values_list("number", flat=True)) == [
        "CACEM00007", "CACEM00041", "CACEM00042"]
    newcomer = member("unit", 901, rank="regular")
    assert newcomer.number == "CACEM00043"


def test_paid_years_become_fee_records_with_the_gaps_owed(cacem, settings):
    from django.test import Client

    from tenant_apps.memberships.models import Membership

    _imported(csv_upload([cacem_row(1, 已缴费年度="2021,2022,2024", 入会时间="2021-01-01",
                                    有效期至="2024-12-31")]))
    m = Membership.objects.get(number="CACEM00001")
    assert list(m.periods.values_list("starts_on", "ends_on", "years")) == [
        (dt.date(2021, 1, 1), dt.date(2022, 12, 31), 2),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 1)]
    from tenant_apps.billing.selectors import fee_years

    rows = {r["year"]: (r["paid"], r["arrears"]) for r in fee_years(m)}
    assert rows[2021] == (True, False) and rows[2022] == (True, False)
    assert rows[2023] == (False, True) and rows[2024] == (True, False)
    assert isinstance(Client, type)


def test_without_paid_years_the_time_to_the_end_of_validity_is_recorded_as_paid(cacem):
    from tenant_apps.billing.selectors import fee_years
    from tenant_apps.imports.tests.helpers import CACEM_HEADER
    from tenant_apps.memberships.models import Membership

    header = [h for h in CACEM_HEADER if h != "已缴费年度"]
    row = cacem_row(1, 入会时间="2022-05-10", 有效期至="2025-12-31")[:-1]
    _imported(csv_upload([row], header=header))
    m = Membership.objects.get(number="CACEM00001")
    assert list(m.periods.values_list("starts_on", "ends_on", "years")) == [
        (dt.date(2022, 5, 10), dt.date(2025, 12, 31), 4)]
    rows = {r["year"]: (r["paid"], r["arrears"]) for r in fee_years(m)}
    assert all(rows[year] == (True, False) for year in (2022, 2023, 2024, 2025)), rows


def test_a_failing_batch_is_rolled_back_whole_and_reported(cacem, monkeypatch, settings):
    from tenant_apps.imports import services
    from tenant_apps.memberships.models import Membership

    settings.IMPORT_BATCH_ROWS = 2
    real = services._periods

    def broken(items, ctx, already=None):
        if any(p.row == 5 for _m, p in items):
            raise RuntimeError("disk full")
        return real(items, ctx, already)

    monkeypatch.setattr(services, "_periods", broken)
    imp = _imported(csv_upload([cacem_row(n) for n in range(1, 6)]))
    assert imp.status == "failed"
    assert imp.failures == [{"rows": "4-5", "message": "disk full"}]
    assert sorted(Membership.objects.values_list("number", flat=True)) == [
        "CACEM00001", "CACEM00002", "CACEM00005"]
    assert imp.created_count == 3 and imp.done_rows == 5


def test_a_mapping_chosen_by_hand_is_kept_for_the_next_file_of_the_type(cacem):
    from tenant_apps.imports.services import import_check, import_upload

    header = ["单位全称" if h == "企业中文全称" else h for h in CACEM_HEADER]
    first = import_upload(acting_user=_admin(), uploaded=csv_upload([cacem_row(1)],
                                                                    header=header),
                          member_type=_unit())
    assert "0" not in first.mapping       # 单位全称 is no label of CACEM's
    import_check(acting_user=_admin(), member_import=first,
                 mapping={**first.mapping, "0": "field:company_name"}, policy="skip")
    second = import_upload(acting_user=_admin(), uploaded=csv_upload([cacem_row(2)],
                                                                     header=header),
                           member_type=_unit())
    assert second.mapping["0"] == "field:company_name"
