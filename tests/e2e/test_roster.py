"""会员名录 in Chromium (issue 13 part 5, "Done when"): a CACEM member unit, on a phone,
agrees in the member centre to be listed with its first liaison's name and phone; a stranger
finds it on the public roster by the initials of its name and by its 会员级别, the liaison's
phone masked; the unit withdraws and is gone from the roster at once."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE, PASSWORD = "13600008181", "Roster-2026-pass"  # no other test's account
UNIT = "名录测试路桥建设有限公司"  # initials mlcslqjsyxgs
LIAISON, LIAISON_MOBILE = "周名录", "13600008282"


@pytest.fixture(scope="module")
def roster_unit(demo_tenants, django_db_blocker):
    """A CACEM 理事单位 with its first liaison, committed for the server to see."""
    from django_tenants.utils import schema_context

    from tenant_apps.accounts.models import User
    from tenant_apps.accounts.services import user_create
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.directory.services import refresh_entries
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.records.models import Contact, MemberRecord

    with django_db_blocker.unblock(), schema_context("cacem"):
        user = User.objects.filter(phone=PHONE).first()
        if user is None:
            user = user_create(acting_user=None, name="名录经办人", phone=PHONE,
                               email="roster@cacem-member.test", password=PASSWORD)
            unit = MemberType.objects.get(code="unit")
            membership = membership_activate(acting_user=None, user=user, years=1,
                                             member_type=unit,
                                             rank=unit.ranks.get(code="council"))
            record = MemberRecord.objects.create(membership=membership, values={
                "company_name": UNIT, "region": {"province": "420000", "city": "420100"}})
            Contact.objects.create(record=record, role="第一联络员", name=LIAISON,
                                   mobile=LIAISON_MOBILE)
            refresh_entries([membership.pk])
    connection.set_schema_to_public()
    return UNIT


def test_a_unit_agrees_a_stranger_finds_it_the_unit_withdraws(server, phone, desktop,
                                                              roster_unit):
    base = f"http://cacem.localhost:{server}"
    page = phone
    login(page, base, PHONE, PASSWORD)
    page.goto(f"{base}/member/")
    page.locator(".centre-nav a", has_text="会员名录").first.click()
    page.wait_for_load_state()
    assert "会员名录" in page.locator("h1").inner_text()
    assert "您目前未在会员名录中公开" in page.locator(".roster-state").inner_text()
    # nothing ticked in advance
    assert page.locator("input[name=fields]:checked").count() == 0
    page.get_by_label("联络员", exact=True).check()
    page.get_by_label("联络员手机").check()
    page.get_by_role("button", name="同意公开").click()
    page.wait_for_load_state()
    assert "已保存" in page.content()
    assert fits_the_screen(page)
    screenshot(page, "roster-consent-phone")

    stranger = desktop
    stranger.goto(f"{base}/roster/")
    stranger.fill("input[name=q]", "mlcs")
    stranger.get_by_role("button", name="查询").click()
    stranger.wait_for_load_state()
    row = stranger.locator(".roster-table tbody tr", has_text=UNIT)
    assert row.count() == 1
    assert row.locator("[data-column=rank]").inner_text() == "理事单位"
    assert row.locator("[data-column=region]").inner_text() == "湖北省 武汉市"
    assert row.locator("[data-column=liaison_name]").inner_text() == LIAISON
    assert row.locator("[data-column=liaison_phone]").inner_text() == "136****8282"
    assert LIAISON_MOBILE not in stranger.content() and PHONE not in stranger.content()
    screenshot(stranger, "roster-desktop")
    # by 会员级别: 理事单位 lists it, 普通会员 does not
    stranger.goto(f"{base}/roster/")
    stranger.select_option("select[name=type]", label="理事单位")
    stranger.locator(".roster-search button").click()
    stranger.wait_for_load_state()
    assert UNIT in stranger.content()
    stranger.select_option("select[name=type]", label="普通会员")
    stranger.locator(".roster-search button").click()
    stranger.wait_for_load_state()
    assert UNIT not in stranger.content()

    # the stranger's view on a phone
    page.goto(f"{base}/roster/?q=mlcs")
    assert fits_the_screen(page)
    screenshot(page, "roster-phone")

    page.goto(f"{base}/member/roster/")
    page.get_by_role("button", name="撤回同意").click()
    page.wait_for_load_state()
    assert "已撤回同意" in page.content()
    stranger.goto(f"{base}/roster/?q=mlcs")
    assert UNIT not in stranger.content()
    assert "没有符合条件的会员" in stranger.locator(".roster-table td.empty").inner_text()
