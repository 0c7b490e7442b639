"""The member record: filled on approval, seen by the member and by staff in their scope,
contacts managed with the profile's minimum, a contact's phone logging in to the unit."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import ApplicationEvent
from tenant_apps.records.models import Contact, MemberRecord
from tenant_apps.records.tests.helpers import (
    PASSWORD,
    client_for,
    hq_admin,
    member,
    provision,
    queries,
)

pytestmark = pytest.mark.django_db

LIAISONS = [
    {"liaison_name": "王第一", "liaison_department": "办公室", "liaison_position": "主任",
     "liaison_mobile": "13911110001", "liaison_email": "first@unit.test"},
    {"liaison_name": "李第二", "liaison_department": "企管部", "liaison_position": "经理",
     "liaison_mobile": "13911110002", "liaison_email": "second@unit.test"},
]


def _cacem_member(n=1, liaisons=LIAISONS, **answers):
    return member("unit", n, rank="council",
                  answers={"liaisons": liaisons, "company_profile": "施工总承包企业", **answers})


def test_record_is_filled_on_approval_from_the_answers():
    with schema_context(provision("cacem")):
        membership = _cacem_member()
        record = MemberRecord.objects.get(membership=membership)
        assert record.values["company_profile"] == "施工总承包企业"
        assert record.values["legal_representative"] == "测试内容"
        assert "liaisons" not in record.values  # the liaisons are rows of their own
        rows = list(record.contacts.values_list("role", "name", "department", "position",
                                                "mobile", "email"))
        assert rows == [("第一联络员", "王第一", "办公室", "主任", "13911110001",
                         "first@unit.test"),
                        ("第二联络员", "李第二", "企管部", "经理", "13911110002",
                         "second@unit.test")]
        assert record.source_application.membership == membership
        assert AuditEntry.objects.filter(action="record.created").count() == 1


def test_member_and_hq_see_the_record_and_phones_are_masked_for_other_staff():
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _cacem_member()
        owner = membership.user
        reviewer = user_create(acting_user=None, name="审核员", username="r1",
                               password=PASSWORD, roles=[Role.REVIEWER])
        admin = hq_admin()
    page = client_for(owner, host).get("/member/profile/?tab=1").content.decode()
    for text in ("我的资料", "企业信息", "联络员信息", "资质信息", membership.number, "王第一",
                 "13911110001", "第二联络员"):
        assert text in page, text
    staff_page = client_for(admin, host).get(f"/manage/members/{membership.number}/?tab=1")
    assert staff_page.status_code == 200
    assert "13911110001" in staff_page.content.decode()  # HQ administrators manage members
    masked = client_for(reviewer, host).get(f"/manage/members/{membership.number}/?tab=1")
    assert masked.status_code == 200
    assert "139****0001" in masked.content.decode()
    assert "13911110001" not in masked.content.decode()


def test_branch_admin_sees_own_branch_members_only(alpha):
    with schema_context("alpha"):
        from tenant_apps.configuration.models import Branch

        membership = member("senior", 1, branch="robot")
        own = user_create(acting_user=None, name="机器人分会", username="ba-robot",
                          password=PASSWORD, roles=[Role.BRANCH_ADMIN])
        Branch.objects.get(code="robot").admins.add(own)
        other = user_create(acting_user=None, name="机械史分会", username="ba-history",
                            password=PASSWORD, roles=[Role.BRANCH_ADMIN])
        Branch.objects.get(code="mech_history").admins.add(other)
        record = membership.record
        assert record.branch.code == "robot"
        id_number = record.values["id_number"]
    path = f"/manage/members/{membership.number}/"
    seen = client_for(own, alpha.host).get(path)
    assert seen.status_code == 200
    assert "机器人分会" in seen.content.decode()
    assert id_number not in seen.content.decode()  # masked for staff
    assert client_for(other, alpha.host).get(path).status_code == 404
    assert client_for(other, alpha.host).get(f"/api/v1/members/{membership.number}/") \
        .status_code == 404
    assert alpha.client("other").get(path).status_code == 404
    assert alpha.client("hq_admin").get(path).status_code == 200
    # the member sees their own number unmasked
    mine = client_for(membership.user, alpha.host).get("/member/profile/").content.decode()
    assert id_number in mine


def test_cacem_liaisons_are_changed_by_staff_keeping_roles_and_the_minimum():
    # CACEM: "如果需更新…联络员信息也请同时联络协会管理员": the unit cannot change its
    # liaisons itself; its HQ administrator does, on the member page.
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _cacem_member(liaisons=LIAISONS[:1])
        _cacem_member(2, liaisons=[{**LIAISONS[0], "liaison_mobile": "13922220000"}])
        first = membership.record.contacts.get()
        admin = hq_admin()
    own = client_for(membership.user, host)
    page = own.get("/member/profile/?tab=1").content.decode()
    assert "联系人信息由协会工作人员维护，如需修改请联络协会管理员。" in page
    assert "/member/profile/contacts/" not in page  # no forms
    second = {"role": "第二联络员", "name": "赵新", "department": "总经办", "position": "助理",
              "mobile": "139 1111 0009", "email": "Zhao@Unit.test"}
    refused = own.post("/member/profile/contacts/", second)
    assert refused.status_code == 403
    client = client_for(admin, host)
    client.cookies["django_language"] = "zh-hans"
    base = f"/manage/members/{membership.number}/contacts/"
    # The only liaison cannot go: refused, in Chinese, nothing changed.
    refused = client.post(f"{base}{first.pk}/remove/")
    assert refused.status_code == 400
    assert "至少保留" in refused.content.decode()
    with schema_context(slug):
        assert Contact.objects.filter(record__membership=membership).count() == 1
    assert client.post(base, second).status_code == 302
    # A second 第一联络员 is refused: each role once.
    again = client.post(base, {**second, "role": "第一联络员", "mobile": "13911110008"})
    assert again.status_code == 400
    # Another unit's liaison phone: refused, never two accounts for one phone.
    with schema_context(slug):
        added = Contact.objects.get(record__membership=membership, role="第二联络员")
        assert (added.mobile, added.email) == ("13911110009", "zhao@unit.test")
    taken = client.post(f"{base}{added.pk}/", {**second, "mobile": "13922220000"})
    assert taken.status_code == 409
    assert "另一" in taken.content.decode()
    edited = client.post(f"{base}{added.pk}/", {**second, "position": "副主任"})
    assert edited.status_code == 302
    bad = client.post(f"{base}{added.pk}/", {**second, "mobile": "12345"})
    assert bad.status_code == 400
    with schema_context(slug):
        added.refresh_from_db()
        assert (added.position, added.mobile) == ("副主任", "13911110009")
    assert client.post(f"{base}{first.pk}/remove/").status_code == 302
    with schema_context(slug):
        assert list(Contact.objects.filter(record__membership=membership)
                    .values_list("name", flat=True)) == ["赵新"]
        assert AuditEntry.objects.filter(action__startswith="contact.").count() == 3


def test_contacts_api_refuses_the_last_removal():
    # Jiangsu's units manage their 联络员 themselves (up to 5, at least 1).
    slug = provision("jsgas")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = member("unit", 31, answers={"contact_name": "王联络",
                                                 "contact_mobile": "13911113101"})
        first = membership.record.contacts.get()
    client = client_for(membership.user, host)
    client.cookies["django_language"] = "zh-hans"
    listed = client.get("/api/v1/member/contacts/").json()
    assert [c["name"] for c in listed] == ["王联络"]
    refused = client.delete(f"/api/v1/member/contacts/{first.pk}/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "contacts_minimum"
    assert "至少保留" in refused.json()["error"]["message"]
    added = client.post("/api/v1/member/contacts/", {
        "role": "联系人", "name": "赵新", "position": "助理", "mobile": "13911113109",
        "email": "z@unit.test"}, content_type="application/json")
    assert added.status_code == 201, added.content
    missing = client.post("/api/v1/member/contacts/", {"role": "联系人", "name": "钱"},
                          content_type="application/json")
    assert missing.status_code == 400
    record = client.get("/api/v1/member/record/").json()
    assert record["number"] == membership.number
    assert [s["title"] for s in record["sections"]] == ["基础信息", "联络员信息", "扩展资料",
                                                        "企业营收"]
    assert [c["name"] for c in record["contacts"]] == ["王联络", "赵新"]
    # a CACEM unit's liaisons are its association's to change: the API refuses too
    with schema_context(provision("cacem")):
        cacem = _cacem_member(32, liaisons=[{**LIAISONS[0], "liaison_mobile": "13911113201"}])
    denied = client_for(cacem.user, "cacem.localhost").post("/api/v1/member/contacts/", {
        "role": "第二联络员", "name": "赵", "department": "总经办", "position": "助理",
        "mobile": "13911113202", "email": "z2@unit.test"}, content_type="application/json")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "contacts_by_staff"


def test_a_liaison_logs_in_to_the_unit_with_its_own_phone():
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _cacem_member()
    client = Client(HTTP_HOST=host)
    response = client.post("/login/", {"username": "139-1111-0002", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/member/"
    page = client.get("/member/profile/").content.decode()
    assert membership.number in page


def test_a_phone_two_units_share_logs_in_to_neither():
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        _cacem_member(1, liaisons=LIAISONS[:1])
        _cacem_member(2, liaisons=LIAISONS[:1])  # the same liaison phone, as applied
    client = Client(HTTP_HOST=host)
    response = client.post("/login/", {"username": "13911110001", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_jsgas_tabs_and_member_editable_yearly_revenue():
    slug = provision("jsgas")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = member("unit", 1)
        record = membership.record
        assert [(c.role, c.mobile) for c in record.contacts.all()] == [("联系人", "13912345678")]
    client = client_for(membership.user, host)
    page = client.get("/member/profile/").content.decode()
    tabs = ["基础信息", "联络员信息", "扩展资料", "企业营收"]
    positions = [page.index(f">{t}</a>") for t in tabs]
    assert positions == sorted(positions)
    saved = client.post("/member/profile/3/save/", {
        "revenue-0-year": "2024", "revenue-0-operating_revenue": "1200.5",
        "revenue-1-year": "2025", "revenue-1-operating_revenue": "1350"})
    assert saved.status_code == 302
    shown = client.get("/member/profile/?tab=3").content.decode()
    assert "1200.5" in shown and "2025" in shown
    with schema_context(slug):
        record.refresh_from_db()
        assert record.values["revenue"] == [{"year": "2024", "operating_revenue": "1200.5"},
                                            {"year": "2025", "operating_revenue": "1350"}]
        entry = AuditEntry.objects.get(action="record.changed")
        assert entry.data["changes"]["revenue"]["old"] is None
    # A field the profile keeps for the association (单位名称) is not changed here.
    refused = client.post("/member/profile/0/save/", {"unit_name": "改名", "website": "x"})
    assert refused.status_code == 400
    with schema_context(slug):
        record.refresh_from_db()
        assert record.values["unit_name"] == "测试内容"
        assert "website" in record.values and record.values["website"] != "x"


def test_member_page_queries_do_not_grow_with_contacts_or_history():
    """Contacts, and every kind of history entry: application events, the lifecycle's moves
    (with and without an actor) and the record's changes."""
    import datetime as dt

    from tenant_apps.memberships.models import MembershipEvent
    from tenant_apps.records.services import contact_update, record_apply_changes

    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = member("unit", 1, rank="regular")
        admin = hq_admin()
        record = membership.record
    client = client_for(admin, host)
    path = f"/manage/members/{membership.number}/?tab=1"
    client.get(path)
    few, response = queries(lambda: client.get(path))
    assert response.status_code == 200
    with schema_context(slug):
        for n in range(8):
            Contact.objects.create(record=record, role="联系人", name=f"联系人{n}",
                                   mobile=f"1370000{n:04d}", ordering=n + 1)
            ApplicationEvent.objects.create(application=record.source_application,
                                            action="approved", to_status="completed")
            MembershipEvent.objects.create(
                membership=membership, from_status="active", to_status="overdue",
                reason="unpaid", effective_on=dt.date(2020 + n, 1, 1),
                actor=admin if n % 2 else None)
            record_apply_changes(acting_user=admin, record=record, editable_only=False,
                                 changes={"address": f"北京市海淀区{n}号"},
                                 reason=f"更正{n}")
            contact_update(acting_user=admin, contact=record.contacts.get(name=f"联系人{n}"),
                           data={"role": "联系人", "name": f"联系人{n}",
                                 "mobile": f"1370000{n:04d}", "department": "办公室"})
    many, response = queries(lambda: client.get(path))
    page = response.content.decode()
    assert "联系人7" in page
    assert page.count('class="history-membership"') == 8
    assert page.count("资料修改") == 8 and "更正7" in page
    assert page.count("修改联系人") == 8
    assert many == few
    assert few <= 16, few


def test_existing_memberships_get_their_record_from_the_approved_application():
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "tenant_apps.records.migrations.0002_records_from_applications")
    with schema_context(provision("cacem")):
        membership = _cacem_member()
        MemberRecord.objects.filter(membership=membership).delete()  # as before records
        migration.fill(apps, None)
        record = MemberRecord.objects.get(membership=membership)
        assert record.values["company_profile"] == "施工总承包企业"
        assert list(record.contacts.values_list("role", "mobile")) == [
            ("第一联络员", "13911110001"), ("第二联络员", "13911110002")]


def test_jsgas_contact_logs_in_by_sms_code():
    from tenant_apps.accounts.codes import code_send

    slug = provision("jsgas")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = member("unit", 1)
        from tenant_apps.records.services import contact_add

        contact_add(acting_user=membership.user, record=membership.record, data={
            "role": "联系人", "name": "新联系人", "position": "干事", "mobile": "13766660001"})
        code_send(phone="13766660001", purpose="login", ip=None)
    from huiji.sms import console

    message = next(m for m in reversed(console.SENT) if m["phone"] == "13766660001")
    code = "".join(ch for ch in message["text"] if ch.isdigit())[:6]
    client = Client(HTTP_HOST=host)
    response = client.post("/login/sms/", {"phone": "13766660001", "code": code})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/member/profile/").status_code == 200
