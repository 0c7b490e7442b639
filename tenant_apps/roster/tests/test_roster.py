"""会员名录 (docs/roster.md): CACEM's public roster lists the units in force that consented,
with the profile's columns, a liaison's details only where ticked, the phone masked; the
consent is given, changed and withdrawn in the member centre and asked (unticked) at
joining; the profile block is validated with exact paths and exported as imported."""

from __future__ import annotations

import copy
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.configuration.profile import ProfileError, validate_profile
from tenant_apps.directory.tests.helpers import client_for, quick_member
from tenant_apps.records.models import Contact, MemberRecord
from tenant_apps.records.tests.helpers import provision
from tenant_apps.roster.models import RosterConsent
from tenant_apps.roster.services import consent_give, consent_withdraw

pytestmark = pytest.mark.django_db
HOST = "cacem.localhost"
BOTH = ["liaison_name", "liaison_phone"]


def unit(n: int, name: str, *, rank: str = "regular", liaison: str = "", mobile: str = "",
         consent: list[str] | None = None, status: str = "active",
         region: dict | None = None):
    m = quick_member(n, f"账号{n}", type_code="unit", rank=rank, status=status,
                     values={"company_name": name, "region": region or
                             {"province": "110000", "city": "110101"}})
    if liaison:
        Contact.objects.create(record=MemberRecord.objects.get(membership=m),
                               role="第一联络员", name=liaison, mobile=mobile)
    if consent is not None:
        consent_give(user=m.user, fields=consent, source="joining", offered=BOTH,
                     consent_text="同意")
    return m


def cacem_units():
    """Five units: three listed, one that never consented, one that withdrew; one suspended."""
    unit(41, "中建三局集团有限公司", rank="council", liaison="王联络", mobile="13911112222",
         consent=BOTH)
    unit(42, "中铁建工集团有限公司", liaison="李联络", mobile="13933334444",
         consent=["liaison_name"], region={"province": "320000", "city": "320100"})
    unit(43, "北京城建集团有限责任公司", rank="vice_president", consent=[])
    unit(44, "未同意建设有限公司", liaison="赵不公开", mobile="13955556666")
    gone = unit(45, "已撤回工程有限公司", liaison="钱撤回", mobile="13977778888",
                consent=BOTH)
    consent_withdraw(user=gone.user)
    unit(46, "暂停会员建设有限公司", consent=BOTH, status="suspended")


def test_lists_only_consenting_members_in_force_with_the_chosen_columns():
    with schema_context(provision("cacem")):
        cacem_units()
        from tenant_apps.memberships.models import Membership

        number = Membership.objects.get(user__name="账号41").number
    page = Client(HTTP_HOST=HOST).get("/roster/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "会员名录" in html
    # a roster of units counts units and searches by the unit's name
    assert re.search(r"data-total>共 \d+ 家会员单位<", html)
    assert '<label for="r-q">单位名称</label>' in html
    # and the association's home leads to it
    home = Client(HTTP_HOST=HOST).get("/").content.decode()
    assert '<a href="/roster/">会员名录</a>' in home
    for name in ("中建三局集团有限公司", "中铁建工集团有限公司", "北京城建集团有限责任公司"):
        assert name in html
    for hidden in ("未同意建设有限公司", "赵不公开", "13955556666", "已撤回工程有限公司",
                   "钱撤回", "暂停会员建设有限公司"):
        assert hidden not in html
    # the columns CACEM chose, its headings
    for heading in ("单位名称", "会员级别", "所在省市", "联络员", "联络员手机"):
        assert f"<th>{heading}</th>" in html
    assert "理事单位" in html and "副会长单位" in html
    assert "北京市 东城区" in html and "江苏省 南京市" in html
    # the liaison ticked both: name and masked phone; the other only the name
    assert "王联络" in html and "139****2222" in html and "13911112222" not in html
    assert "李联络" in html and "139****4444" not in html and "13933334444" not in html
    # nothing else of the members: no member number, e-mail, account name or phone
    for secret in (number, "@dir.test", "账号41", "13712340041"):
        assert secret not in html


def test_search_by_name_pinyin_initials_and_filters():
    with schema_context(provision("cacem")):
        cacem_units()
    client = Client(HTTP_HOST=HOST)

    def listed(**params) -> list[str]:
        html = client.get("/roster/", params).content.decode()
        return [n for n in ("中建三局集团有限公司", "中铁建工集团有限公司",
                            "北京城建集团有限责任公司") if n in html]

    assert listed(q="中建") == ["中建三局集团有限公司"]
    assert listed(q="zhongtie") == ["中铁建工集团有限公司"]
    assert listed(q="bjcj") == ["北京城建集团有限责任公司"]
    assert listed(type="unit.council") == ["中建三局集团有限公司"]
    assert listed(region="320000") == ["中铁建工集团有限公司"]
    # a phone is never a way in, not even a listed liaison's
    assert listed(q="13911112222") == []


@pytest.mark.parametrize("params", [{"type": "nope"}, {"region": "999999"}, {"page": "x"},
                                    {"q": "中" * 51}])
def test_bad_parameters_are_400_with_a_message(params):
    with schema_context(provision("cacem")):
        cacem_units()
    page = Client(HTTP_HOST=HOST, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/roster/", params)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()


def test_list_queries_do_not_grow_with_members():
    with schema_context(provision("cacem")):
        cacem_units()
    client = Client(HTTP_HOST=HOST)
    client.get("/roster/")  # tenant resolution cached

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/roster/", {"q": ""}).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    with schema_context("cacem"):
        for n in range(50, 62):
            unit(n, f"新增建设{n}有限公司", liaison=f"联{n}", mobile=f"1390000{n:04d}",
                 consent=BOTH)
    assert count() == few
    # settings, types and ranks, count, page, liaisons (plus the session-less request's own)
    assert few <= 7


def test_off_is_404_and_for_associations_that_do_not_publish_one(alpha):
    assert Client(HTTP_HOST=alpha.host).get("/roster/").status_code == 404
    with schema_context(provision("cacem")):
        from tenant_apps.roster.models import RosterSettings

        RosterSettings.objects.update(enabled=False)
    assert Client(HTTP_HOST=HOST).get("/roster/").status_code == 404


def test_consent_in_the_member_centre_give_change_withdraw():
    with schema_context(provision("cacem")):
        m = unit(47, "自主选择建设有限公司", liaison="孙联络", mobile="13900470047")
        user = m.user
    member = client_for(user, HOST)
    page = member.get("/member/roster/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="fields" value="liaison_name"' in html and " checked" not in html
    assert "自主选择建设有限公司" not in Client(HTTP_HOST=HOST).get("/roster/").content.decode()
    # a column the association does not offer is refused, nothing stored
    bad = member.post("/member/roster/", {"action": "give", "fields": ["liaison_email"]})
    assert bad.status_code == 400
    with schema_context("cacem"):
        assert not RosterConsent.objects.filter(user=user).exists()
    assert member.post("/member/roster/", {"action": "give", "fields": ["liaison_name"]}
                       ).status_code == 302
    member.post("/member/roster/", {"action": "give", "fields": ["liaison_name"]})  # again
    public = Client(HTTP_HOST=HOST).get("/roster/").content.decode()
    assert "自主选择建设有限公司" in public and "孙联络" in public and "139****0047" not in public
    with schema_context("cacem"):
        given = AuditEntry.objects.filter(action="roster.consent_given")
        assert given.count() == 1  # the repeated post was not a second consent
    member.post("/member/roster/", {"action": "withdraw"})
    assert "自主选择建设有限公司" not in Client(HTTP_HOST=HOST).get("/roster/").content.decode()
    with schema_context("cacem"):
        row = RosterConsent.objects.get(user=user)
        assert row.withdrawn_at is not None and row.given_at <= row.withdrawn_at
        assert AuditEntry.objects.filter(action="roster.consent_withdrawn").count() == 1
    assert "撤回" in member.get("/member/roster/", HTTP_ACCEPT_LANGUAGE="zh-hans"
                                ).content.decode()


def _cacem_document(**roster) -> dict:
    from tenants.profiles import load_profile

    document = copy.deepcopy(load_profile("cacem"))
    document["roster"] = roster
    return document


@pytest.mark.parametrize(("roster", "path"), [
    ({"enabled": True, "columns": ["rank", "name"], "consent_text": "x"}, "roster.columns[0]"),
    ({"enabled": True, "columns": ["name", "phone_number"], "consent_text": "x"},
     "roster.columns[1]"),
    ({"enabled": True, "columns": ["name", {"column": "rank", "label": "级" * 41}],
      "consent_text": "x"}, "roster.columns[1].label"),
    ({"enabled": True, "columns": ["name"]}, "roster.consent_text"),
    ({"enabled": True, "columns": ["name"], "consent_text": "x", "phone": "half"},
     "roster.phone"),
    ({"enabled": True, "columns": ["name"], "consent_text": "x", "member_types": ["x"]},
     "roster.member_types[0]"),
    ({"enabled": True, "columns": ["name", "name"], "consent_text": "x"}, "roster.columns[1]"),
    ({"enabled": "yes"}, "roster.enabled"),
])
def test_profile_errors_name_their_path(roster, path):
    with pytest.raises(ProfileError) as exc:
        validate_profile(_cacem_document(**roster), filename="cacem.yaml",
                         skip_template_files=True, require_payment=False)
    assert path in [p for p, _rule in exc.value.problems]


def test_liaison_columns_need_a_type_with_contacts():
    from tenants.profiles import load_profile

    document = copy.deepcopy(load_profile("cmes"))
    document["roster"] = {"enabled": True, "columns": ["name", "liaison_phone"],
                          "consent_text": "x"}
    with pytest.raises(ProfileError) as exc:
        validate_profile(document, filename="cmes.yaml", skip_template_files=True,
                         require_payment=False)
    assert "roster.columns" in [p for p, _rule in exc.value.problems]


def test_profile_round_trip_and_only_cacem_has_it_on():
    from tenant_apps.configuration.selectors import profile_export
    from tenants.profiles import load_profile

    assert load_profile("cacem")["roster"]["enabled"] is True
    for slug in ("cmes", "generic", "caq", "jsgas"):
        assert load_profile(slug)["roster"]["enabled"] is False
    with schema_context(provision("cacem")):
        exported = profile_export(include_files=False)["roster"]
    assert exported == load_profile("cacem")["roster"]
    assert exported["columns"][0] == {"column": "name", "label": "单位名称"}
