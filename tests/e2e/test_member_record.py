"""A CACEM liaison logs in on a phone with its own mobile and the unit's password, lands in
the unit's member centre and finds the unit's record (我的资料) with its liaisons."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.e2e.conftest import fits_the_screen, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

LIAISON = "13755550002"  # the second liaison's own mobile, not the unit account's phone


@pytest.fixture(scope="module")
def cacem_unit(demo_tenants, django_db_blocker):
    """A CACEM unit member, through the real journey, with two liaisons (committed)."""
    from django_tenants.utils import schema_context

    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.tests.helpers import PASSWORD, member

    with django_db_blocker.unblock(), schema_context("cacem"):
        existing = Membership.objects.filter(record__contacts__mobile=LIAISON).first()
        membership = existing or member("unit", 8801, rank="regular", answers={"liaisons": [
            {"liaison_name": "王第一", "liaison_department": "办公室", "liaison_position": "主任",
             "liaison_mobile": "13755550001", "liaison_email": "first@unit.test"},
            {"liaison_name": "李第二", "liaison_department": "企管部", "liaison_position": "经理",
             "liaison_mobile": LIAISON, "liaison_email": "second@unit.test"}]})
        number = membership.number
    connection.set_schema_to_public()
    return number, PASSWORD


def test_a_liaison_logs_in_with_its_phone_and_sees_the_unit(server, phone, cacem_unit):
    number, password = cacem_unit
    base = f"http://cacem.localhost:{server}"
    login(phone, base, LIAISON, password)
    assert phone.url.rstrip("/").endswith("/member")
    assert number in phone.locator("main").inner_text()
    phone.click("text=我的资料")
    phone.wait_for_load_state()
    tabs = phone.locator("nav.record-tabs a").all_inner_texts()
    assert tabs == ["企业信息", "联络员信息", "资质信息"]
    phone.click("nav.record-tabs >> text=联络员信息")
    phone.wait_for_load_state()
    text = phone.locator("main").inner_text()
    assert "第一联络员" in text and "李第二" in text and LIAISON in text
    assert fits_the_screen(phone), "the record scrolls sideways on a phone"
    screenshot(phone, "member-record-liaisons-phone")
