"""Importing the product's own export gives back the same members (issue 11, §4): CACEM's
legacy units imported into one association, exported with every column (全部列（可再导入）),
and that file imported into a second association of the same profile. The expected values
are the hand-written rows of the first file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tenant_apps.imports.tests.helpers import cacem_row, csv_upload, uscc_for

pytestmark = pytest.mark.django_db


def _second_cacem() -> str:
    from tenants.models import Association
    from tenants.services import association_create

    if not Association.objects.filter(slug="cacemtwo").exists():
        association_create(acting_user=None, name="第二协会", slug="cacemtwo", profile="cacem",
                           admin_name="Admin", admin_email="admin@cacemtwo.test",
                           admin_password="Admin-passw0rd-2026")
    return "cacemtwo"


def _import(upload):
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.imports.services import (
        import_check,
        import_run,
        import_start,
        import_upload,
    )
    from tenant_apps.records.tests.helpers import hq_admin

    admin = hq_admin()
    imp = import_upload(acting_user=admin, uploaded=upload,
                        member_type=MemberType.objects.get(code="unit"))
    imp = import_check(acting_user=admin, member_import=imp, mapping=imp.mapping,
                       policy="skip")
    assert imp.errors == []
    import_start(acting_user=admin, member_import=imp)
    return import_run(imp.pk)


def _members(numbers: list[str]) -> dict:
    """What a member is, as the association keeps it: membership, record, contacts, fee
    years."""
    from tenant_apps.memberships.models import Membership

    out = {}
    for m in Membership.objects.filter(number__in=numbers).select_related(
            "rank", "member_type", "record__branch"):
        out[m.number] = {
            "type": m.member_type.code, "rank": m.rank.code if m.rank else None,
            "status": m.status, "valid_from": m.valid_from, "valid_until": m.valid_until,
            "values": m.record.values,
            "contacts": [(c.role, c.name, c.mobile, c.email)
                         for c in m.record.contacts.order_by("ordering", "id")],
            "years": sorted(y for p in m.periods.all()
                            for y in range(p.starts_on.year, p.starts_on.year + p.years)),
        }
    return out


def test_an_export_of_every_column_imports_back_as_the_same_members(
        django_capture_on_commit_callbacks):
    from tenant_apps.bulk import columns as catalogue
    from tenant_apps.bulk.services import bulk_run, export_start
    from tenant_apps.records.services import _revision_document
    from tenant_apps.records.tests.helpers import hq_admin, provision

    numbers = ["CACEM00001", "CACEM00002", "CACEM00003"]
    with schema_context(provision("cacem")):
        _import(csv_upload([cacem_row(1), cacem_row(2, 会员级别="常务理事单位",
                                                     已缴费年度="2021,2023-2024"),
                            cacem_row(3, 有效期至="2026-12-31", 入会时间="2020-05-18")]))
        before = _members(numbers)
        with django_capture_on_commit_callbacks(execute=False):
            job = export_start(acting_user=hq_admin(), params={"number": numbers},
                               columns=catalogue.everything(_revision_document()),
                               full_personal_data=True)
        bulk_run(job.pk)
        job.refresh_from_db()
        content = job.file.read()

    # by hand, from the rows written above
    assert before["CACEM00001"]["values"]["company_name"] == "中建测试第1工程局有限公司"
    assert before["CACEM00001"]["values"]["credit_code"] == uscc_for(1)
    assert before["CACEM00002"]["rank"] == "standing_council"
    assert before["CACEM00002"]["years"] == [2021, 2023, 2024]
    assert before["CACEM00001"]["years"] == [2019, 2020, 2021, 2022, 2023, 2024]
    assert before["CACEM00001"]["contacts"] == [
        ("第一联络员", "联络员1", "13900000001", "liaison1@cacem-test.cn")]
    assert before["CACEM00003"]["valid_until"] == dt.date(2026, 12, 31)

    from openpyxl import load_workbook

    header = next(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert {"会员编号", "会员级别", "入会时间", "有效期至", "已缴费年度", "企业中文全称",
            "信用代码", "第一联络员姓名", "第一联络员手机"} <= set(header)

    with schema_context(_second_cacem()):
        done = _import(SimpleUploadedFile("members.xlsx", content,
                                          "application/octet-stream"))
        assert done.created_count == 3
        after = _members(numbers)
    assert after == before
