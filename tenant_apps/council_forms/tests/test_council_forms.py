"""完善理事资料 on CAQ: a 理事及以上单位会员 sees its two forms 待完善 with the reminder on the
member home, fills one (checked as application forms are), and staff see who filled what,
export it to Excel and print it as a PDF."""

from __future__ import annotations

import copy
import io

import pytest
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from huiji.errors import AppError
from tenant_apps.configuration.profile import validate_profile
from tenant_apps.council_forms.models import CouncilFormAnswer
from tenant_apps.records.tests.helpers import client_for, hq_admin, member, provision
from tenants.profiles import load_profile

pytestmark = pytest.mark.django_db
HOST = "caq.localhost"
NOMINATION = {"name": "王建国<b>", "gender": "男", "birth": "1972-05-01", "title": "总经理",
              "resume": "=1+1 2010年至今 任公司总经理", "contact_name": "刘洋",
              "contact_phone": "13900000301", "contact_email": "office@example.com"}


def _unit(n: int, rank: str):
    provision("caq")
    with schema_context("caq"):
        return member("unit", n, rank=rank)


def test_a_council_unit_completes_a_form_and_staff_see_export_and_print_it():
    unit = _unit(5201, "council")
    client = client_for(unit.user, HOST)
    home = client.get("/member/").content.decode()
    assert "有需要完善的资料" in home
    assert "《中国质量协会第十届理事会副会长人选推荐登记表》" in home
    assert "《理事会副会长干部任免表》" in home and "去完善" in home
    page = client.get("/member/council-forms/").content.decode()
    assert page.count("待完善") >= 2 and "已完善" in page

    url = "/member/council-forms/vp_nomination/"
    form = client.get(url).content.decode()
    assert "联系人信息" in form and "此联系人为邮件推送的联系人。" in form
    bad = client.post(url, {**NOMINATION, "contact_email": "not-an-email"})
    assert bad.status_code == 400 and "请修改标出的内容。" in bad.content.decode()
    with schema_context("caq"):
        assert not CouncilFormAnswer.objects.filter(membership=unit).exists()
    assert client.post(url, NOMINATION).status_code == 302
    shown = client.get(url + "view/").content.decode()
    assert "王建国&lt;b&gt;" in shown and "已完善" in shown
    home = client.get("/member/").content.decode()
    assert "《理事会副会长干部任免表》" in home
    assert "《中国质量协会第十届理事会副会长人选推荐登记表》" not in home

    with schema_context("caq"):
        admin = hq_admin()
    staff = client_for(admin, HOST)
    overview = staff.get("/manage/council-forms/?form=vp_nomination&state=done")
    assert unit.number in overview.content.decode()
    pending = staff.get("/manage/council-forms/?form=vp_appointment&state=pending")
    assert unit.number in pending.content.decode()
    pdf = staff.get(f"/manage/council-forms/vp_nomination/{unit.number}/form.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = staff.get("/manage/council-forms/vp_nomination/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("会员号", "会员", "姓名", "性别")
    mine = next(r for r in rows if r[0] == unit.number)
    assert "王建国<b>" in mine and "=1+1 2010年至今 任公司总经理" in mine
    assert sheet.cell(row=rows.index(mine) + 1, column=10).data_type != "f"


def test_a_regular_unit_has_no_forms():
    unit = _unit(5202, "regular")
    client = client_for(unit.user, HOST)
    assert "有需要完善的资料" not in client.get("/member/").content.decode()
    assert client.get("/member/council-forms/").status_code == 404
    assert client.get("/member/council-forms/vp_nomination/").status_code == 404


def test_the_overview_reads_a_constant_number_of_queries(django_assert_max_num_queries):
    for n in (5203, 5204, 5205):
        unit = _unit(n, "council")
        client_for(unit.user, HOST).post("/member/council-forms/vp_nomination/", NOMINATION)
    with schema_context("caq"):
        admin = hq_admin()
    staff = client_for(admin, HOST)
    staff.get("/manage/council-forms/")
    with django_assert_max_num_queries(14):
        page = staff.get("/manage/council-forms/?form=vp_nomination")
    assert page.content.decode().count('class="council-row"') >= 3


@pytest.mark.parametrize("change, path", [
    (lambda f: f.update(ranks=["board"]), "council_forms[0].ranks[0]"),
    (lambda f: f.update(member_types=["nobody"]), "council_forms[0].member_types[0]"),
    (lambda f: f["steps"][0]["fields"].append({"key": "photo", "label": "照片",
                                                "type": "image"}),
     "council_forms[0].steps[0].fields[11].type"),
    (lambda f: f.update(code="Bad Code"), "council_forms[0].code"),
])
def test_profile_errors_name_the_exact_path(change, path):
    document = copy.deepcopy(load_profile("caq"))  # the loaded profile is cached: a copy
    change(document["council_forms"][0])
    with pytest.raises(AppError) as caught:
        validate_profile(document, filename="caq.yaml", skip_template_files=True)
    assert path in [p["path"] for p in caught.value.details["problems"]]


def test_submissions_profile_errors_name_the_exact_path():
    document = copy.deepcopy(load_profile("caq"))
    document["submissions"].update(max_size_mb=0, member_types=["nobody"])
    with pytest.raises(AppError) as caught:
        validate_profile(document, filename="caq.yaml", skip_template_files=True)
    paths = [p["path"] for p in caught.value.details["problems"]]
    assert "submissions.max_size_mb" in paths and "submissions.member_types[0]" in paths
