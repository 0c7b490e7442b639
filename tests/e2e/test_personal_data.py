"""我的数据 in the browser (issue 15 §2): a CMES member downloads everything the association
holds about them and asks for their personal data to be deleted; an HQ administrator finds the
request in the queue and deletes it; the member's login then ends."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot
from tests.harness import PASSWORD as STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = "13900008831"


@pytest.fixture(scope="module")
def cmes_senior(demo_tenants, django_db_blocker):
    from django_tenants.utils import schema_context

    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.tests.helpers import PASSWORD, member

    with django_db_blocker.unblock(), schema_context("cmes"):
        existing = Membership.objects.filter(user__phone=PHONE).first()
        membership = existing or member("senior", 8831)
        number = membership.number
    connection.set_schema_to_public()
    return number, PASSWORD


def test_a_member_downloads_their_data_and_hq_deletes_it_on_request(server, phone, desktop,
                                                                    cmes_senior, tmp_path):
    number, password = cmes_senior
    base = f"http://cmes.localhost:{server}"
    login(phone, base, PHONE, password)
    phone.goto(f"{base}/member/data/")
    assert "我的数据" in phone.locator("h1").inner_text()
    phone.click("section.my-data-export button")
    phone.wait_for_load_state()
    assert "正在准备您的数据" in phone.locator("main").inner_text()
    with phone.expect_download() as info:
        phone.click("a.download-data")
    path = tmp_path / "my-data.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        html = archive.read("data.html").decode()
    assert data["membership"]["number"] == number
    assert any(f["label"] == "证件号" and f["value"] == "11010519491231002X"
               for f in data["record"])
    assert "证件号" in html and "11010519491231002X" in html
    assert fits_the_screen(phone), "我的数据 scrolls sideways on a phone"
    screenshot(phone, "my-data-phone")

    phone.fill("#deletion-reason", "不再参加学会活动，请删除我的信息")
    phone.click("section.my-data-delete button")
    phone.wait_for_load_state()
    text = phone.locator("main").inner_text()
    assert "申请已提交" in text and "已提交" in phone.locator(".deletion-state").inner_text()

    login(desktop, base, "admin@cmes.test", STAFF_PASSWORD)
    desktop.goto(f"{base}/manage/privacy/")
    assert "删除个人信息申请" in desktop.locator("h1").inner_text()
    desktop.locator("tbody tr", has_text=number).locator("a").click()
    desktop.wait_for_load_state()
    assert "不再参加学会活动" in desktop.locator("main").inner_text()
    screenshot(desktop, "deletion-request-desktop")
    desktop.click("button[value=complete]")
    desktop.wait_for_load_state()
    main = desktop.locator("main").inner_text()
    assert "该会员的个人信息已删除。" in main and "已处理（已匿名化）" in main
    # the member's member page: the number kept, the name anonymised, withdrawn
    desktop.goto(f"{base}/manage/members/{number}/")
    page = desktop.locator("main").inner_text()
    assert "已注销会员" in page and "11010519491231002X" not in page

    # the member's session has ended
    phone.goto(f"{base}/member/data/")
    assert "/login/" in phone.url
