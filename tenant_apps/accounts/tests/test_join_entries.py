"""CAQ's 加入会员 has two entries, 企业入会 and 个人入会 (seed 003: "确认右上角是
企业入会后" / "确认右上角是个人入会后"): the join page, sign-up and the start of the
application show both, and each leads to its own member types (单位会员 / 个人会员).
An association with one kind of member (CMES: individuals only) shows no tabs."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenants.models import Association
from tenants.services import association_create
from tests.harness import solved_slider

UNIT_TAB = '<a href="{base}?kind=unit"{current}>企业入会</a>'
PERSON_TAB = '<a href="{base}?kind=individual"{current}>个人入会</a>'
CURRENT = ' class="current" aria-current="page"'


@pytest.fixture
def caq(db) -> str:
    if not Association.objects.filter(slug="caq").exists():
        association_create(acting_user=None, name="中国质量协会", slug="caq", profile="caq",
                           admin_name="Admin", admin_email="admin@caq.test",
                           admin_password="Admin-passw0rd-2026")
    return "caq.localhost"


def member_types_offered(page: str) -> list[str]:
    return re.findall(r'name="member_type" value="([a-z_]+)"', page)


def test_the_join_page_offers_both_entries(caq):
    """The tabs switch what the join page shows (that entry's types and fees); each entry
    has its own sign-up button (defect: the tabs led straight to the sign-up form)."""
    client = Client(HTTP_HOST=caq)
    unit = client.get("/join/").content.decode()
    assert UNIT_TAB.format(base="/join/", current=CURRENT) in unit
    assert PERSON_TAB.format(base="/join/", current="") in unit
    assert "<h2>单位会员</h2>" in unit and "<h2>个人会员</h2>" not in unit
    assert '<a class="button primary" href="/signup/?kind=unit">注册并申请入会（企业入会）</a>' \
        in unit
    person = client.get("/join/?kind=individual").content.decode()
    assert PERSON_TAB.format(base="/join/", current=CURRENT) in person
    assert "<h2>个人会员</h2>" in person and "<h2>单位会员</h2>" not in person
    assert ('<a class="button primary" href="/signup/?kind=individual">'
            '注册并申请入会（个人入会）</a>') in person
    assert 'href="/login/?next=%2Fapply%2F%3Fkind%3Dindividual"' in person


def test_sign_up_shows_the_two_entries_and_asks_the_name_of_each(caq):
    client = Client(HTTP_HOST=caq)
    unit = client.get("/signup/").content.decode()  # 企业入会 first, as on CAQ's page
    assert UNIT_TAB.format(base="/signup/", current=CURRENT) in unit
    assert PERSON_TAB.format(base="/signup/", current="") in unit
    assert "单位全称" in unit
    person = client.get("/signup/?kind=individual").content.decode()
    assert PERSON_TAB.format(base="/signup/", current=CURRENT) in person
    assert UNIT_TAB.format(base="/signup/", current="") in person
    assert "个人姓名" in person and "单位全称" not in person
    assert '<input type="hidden" name="kind" value="individual">' in person


def test_signing_up_as_an_individual_leads_to_the_individual_types(caq):
    client = Client(HTTP_HOST=caq)
    response = client.post("/signup/", {
        "kind": "individual", "name": "周十", "email": "zhou10@example.test",
        "password1": "Zhou-2026-quality", "password2": "Zhou-2026-quality",
        **solved_slider(client)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == "/apply/?kind=individual"
    with schema_context("caq"):
        assert User.objects.filter(name="周十").exists()
    page = client.get(response["Location"]).content.decode()
    assert PERSON_TAB.format(base="/apply/", current=CURRENT) in page
    assert member_types_offered(page) == ["individual"]
    assert "个人会员" in page and "单位会员" not in page
    units = client.get("/apply/?kind=unit").content.decode()
    assert UNIT_TAB.format(base="/apply/", current=CURRENT) in units
    assert member_types_offered(units) == ["unit"]
    # a unit type posted under the individual tab is not among its choices
    refused = client.post("/apply/", {"kind": "individual", "member_type": "unit"})
    assert refused.status_code == 400 and "请选择会员类型" in refused.content.decode()
    # the tab is kept through the form: an individual starts an individual application
    started = client.post("/apply/", {"kind": "individual", "member_type": "individual"})
    assert started.status_code == 302
    with schema_context("caq"):
        from tenant_apps.applications.models import Application

        assert Application.objects.get(applicant__name="周十").member_type.code == \
            "individual"


@pytest.mark.django_db
def test_an_association_of_one_kind_shows_no_entries(alpha):
    client = Client(HTTP_HOST=alpha.host)
    assert "?kind=" not in client.get("/signup/").content.decode()
    assert "?kind=" not in client.get("/join/").content.decode()
    member = alpha.client("member")
    page = member.get("/apply/").content.decode()
    assert "?kind=" not in page
    assert set(member_types_offered(page)) == {"student", "regular", "senior"}
