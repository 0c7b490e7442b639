"""Reviewed changes in the browser (issue 10's done-when): a CACEM liaison logs in with its own
phone and changes the enterprise's 法人代表 through a request its administrator approves (the
liaisons themselves are the administrator's to change); a CAQ unit adds a contact and passes an
信息变更 with proof."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD as STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

LIAISON = "13755560002"  # the second liaison's own mobile


def _committed_member(slug: str, n: int, **kwargs):
    from django_tenants.utils import schema_context

    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.tests.helpers import PASSWORD, member

    with schema_context(slug):
        existing = Membership.objects.filter(user__phone=f"1390000{n:04d}").first()
        membership = existing or member("unit", n, **kwargs)
        number = membership.number
    connection.set_schema_to_public()
    return number, PASSWORD


@pytest.fixture(scope="module")
def cacem_unit(demo_tenants, django_db_blocker):
    with django_db_blocker.unblock():
        return _committed_member("cacem", 8811, rank="regular", answers={
            "legal_representative": "孙建国", "liaisons": [
                {"liaison_name": "赵第一", "liaison_department": "办公室",
                 "liaison_position": "主任", "liaison_mobile": "13755560001",
                 "liaison_email": "first@cacem-unit.test"},
                {"liaison_name": "钱第二", "liaison_department": "企管部",
                 "liaison_position": "经理", "liaison_mobile": LIAISON,
                 "liaison_email": "second@cacem-unit.test"}]})


@pytest.fixture(scope="module")
def caq_unit(demo_tenants, django_db_blocker):
    with django_db_blocker.unblock():
        return _committed_member("caq", 8812, rank="regular", answers={
            "unit_name": "青岛示范质量有限公司", "address": "青岛市市南区香港中路1号"})


def test_cacem_liaison_changes_the_legal_representative_through_a_review(server, phone,
                                                                        desktop, cacem_unit):
    number, password = cacem_unit
    base = f"http://cacem.localhost:{server}"
    login(phone, base, LIAISON, password)
    phone.goto(f"{base}/member/profile/")
    # 企业信息: what CACEM lets a member save at once has 编辑; 法人代表 asks for review
    phone.click("a.change-request")
    phone.wait_for_load_state()
    assert "信息变更" in phone.locator("h1").inner_text()
    assert phone.input_value("#f_legal_representative") == "孙建国"
    assert phone.locator("#f_address").count() == 0  # the address is the staff's to change
    phone.fill("#f_legal_representative", "周立新")
    phone.fill("#f_note", "法人代表变更")
    assert fits_the_screen(phone), "the change form scrolls sideways on a phone"
    screenshot(phone, "change-request-form-phone")
    phone.click("form.change-form button.primary")
    phone.wait_for_load_state()
    text = phone.locator("main").inner_text()
    assert "申请已提交，审核结果将通知您。" in text
    assert "待企业信息变更审核" in text
    assert "孙建国" in text and "周立新" in text
    # nothing changes before the review
    phone.goto(f"{base}/member/profile/")
    assert "周立新" not in phone.locator("main").inner_text()
    # the liaisons: shown, with whom to ask for a change
    phone.goto(f"{base}/member/profile/?tab=1")
    assert "联系人信息由协会工作人员维护，如需修改请联络协会管理员。" in \
        phone.locator("main").inner_text()

    # the association's administrator decides (CACEM: "联络协会管理员")
    login(desktop, base, "admin@cacem.test", STAFF_PASSWORD)
    desktop.goto(f"{base}/review/")
    desktop.click("a.change-queue")
    desktop.wait_for_load_state()
    # the row names the unit and, beside it, the member's number
    desktop.locator("tbody tr", has_text=number).locator("a").click()
    desktop.wait_for_load_state()
    desktop.locator("main").get_by_text("法人代表变更").wait_for()
    rows = desktop.locator("table.side-by-side tbody tr").all_inner_texts()
    assert any("法人代表" in r and "孙建国" in r and "周立新" in r for r in rows), rows
    screenshot(desktop, "change-request-review-desktop")
    desktop.click("button[value=approve]")
    desktop.wait_for_load_state()
    assert "审核决定已记录。" in desktop.locator("main").inner_text()

    phone.goto(f"{base}/member/profile/")
    assert "周立新" in phone.locator("main").inner_text()
    phone.goto(f"{base}/member/requests/")
    listing = phone.locator("table.my-applications").inner_text()
    assert "信息变更" in listing and "法人代表" in listing and "已通过" in listing
    assert fits_the_screen(phone), "我的申请 scrolls sideways on a phone"
    screenshot(phone, "my-applications-phone")


def test_caq_unit_adds_a_contact_and_passes_an_info_change_with_proof(server, phone, desktop,
                                                                      caq_unit, tmp_path):
    number, password = caq_unit
    base = f"http://caq.localhost:{server}"
    login(phone, base, number, password)  # CAQ logs in by member number
    phone.goto(f"{base}/member/profile/?tab=1")
    assert "联系人管理" in phone.locator("nav.record-tabs").inner_text()
    phone.click("details.contact-add summary")
    add = phone.locator("details.contact-add form")
    add.locator("[name=role]").select_option("部门负责人")
    add.locator("[name=name]").fill("孙质量")
    add.locator("[name=department]").fill("质量安全部")
    add.locator("[name=mobile]").fill("13755560011")
    add.locator("button").click()
    phone.wait_for_load_state()
    text = phone.locator("main").inner_text()
    assert "联系人已添加。" in text and "孙质量" in text and "质量安全部" in text

    phone.goto(f"{base}/member/profile/")
    phone.click("a.change-request")
    phone.wait_for_load_state()
    phone.fill("#f_address", "青岛市崂山区海尔路1号")
    phone.click("form.change-form button.primary")  # without the proof first
    phone.wait_for_load_state()
    assert "请上传变更证明材料。" in phone.locator("main").inner_text()
    assert phone.input_value("#f_address") == "青岛市崂山区海尔路1号"  # kept
    proof = tmp_path / "地址变更证明.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    phone.set_input_files("#f_proof", str(proof))
    phone.click("form.change-form button.primary")
    phone.wait_for_load_state()
    assert "待信息变更审核" in phone.locator("main").inner_text()
    assert "地址变更证明.pdf" in phone.locator("main").inner_text()

    login(desktop, base, "admin@caq.test", STAFF_PASSWORD)
    desktop.goto(f"{base}/review/changes/")
    desktop.locator("tbody tr", has_text=number).locator("a").click()
    desktop.wait_for_load_state()
    assert "地址变更证明.pdf" in desktop.locator("main").inner_text()
    desktop.click("button[value=approve]")
    desktop.wait_for_load_state()

    phone.goto(f"{base}/member/profile/")
    assert "青岛市崂山区海尔路1号" in phone.locator("main").inner_text()
    phone.goto(f"{base}/member/messages/")
    assert "您的申请（信息变更）已通过，已生效。" in phone.locator("main").inner_text()
