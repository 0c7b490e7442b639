"""Every write path that changes what the member list shows keeps it current: each test
changes members through the real services and pages, then reads the list as staff do. A
new write path that forgets `directory.services.refresh_entries` fails here."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from tenant_apps.directory.tests.helpers import client_for

pytestmark = pytest.mark.django_db


def _row(client, q: str) -> dict:
    results = client.get("/api/v1/members/", {"q": q}).json()["results"]
    assert len(results) == 1, (q, results)
    return results[0]


def test_journey_and_every_membership_move_show_in_the_list(alpha):
    from tenant_apps.memberships.lifecycle import lifecycle_run
    from tenant_apps.memberships.models import Membership
    from tenant_apps.memberships.services import (
        membership_change_level,
        membership_extend,
        membership_withdraw,
    )
    from tenant_apps.records.tests.helpers import hq_admin, member

    hq = alpha.client("hq_admin")
    with schema_context("alpha"):
        # approval and payment (the journey): in the list at once, in the counts
        joined = member("regular", 1, branch="robot")
        number = joined.number
    row = _row(hq, "13900000001")
    assert (row["name"], row["number"], row["member_type_name"], row["status_label"],
            row["branch_name"]) == ("申请人1", number, "普通会员", "正式会员", "机器人分会")
    assert _row(hq, "sqr1")["number"] == number
    counts = hq.get("/api/v1/members/").json()["counts"]
    assert {t["code"]: t["n"] for t in counts["types"]}["regular"] == 1

    # staff change the name (HQ, with a reason): the pinyin follows
    with schema_context("alpha"):
        from tenant_apps.records.models import MemberRecord
        from tenant_apps.records.services import record_apply_changes

        record_apply_changes(acting_user=hq_admin(), record=MemberRecord.objects.get(
            membership=joined), changes={"name": "欧阳娜娜"}, editable_only=False,
            reason="更正姓名", reason_required=True)
    assert _row(hq, "ouyangnana")["name"] == "欧阳娜娜"
    assert _row(hq, "oynn")["number"] == number
    assert hq.get("/api/v1/members/", {"q": "申请人1"}).json()["count"] == 0

    # the nightly job's bulk move: overdue, in arrears, counted as such
    with schema_context("alpha"):
        Membership.objects.filter(pk=joined.pk).update(valid_until=dt.date(2026, 1, 31))
        lifecycle_run(today=dt.date(2026, 2, 5))
    row = _row(hq, "oynn")
    assert (row["status"], row["in_arrears"]) == ("overdue", True)
    assert [r["name"] for r in hq.get("/api/v1/members/", {"arrears": "1"}).json()["results"]] \
        == ["欧阳娜娜"]
    statuses = {s["code"]: s["n"] for s in
                hq.get("/api/v1/members/").json()["counts"]["statuses"]}
    assert (statuses["active"], statuses["overdue"]) == (0, 1)

    # renewal: in force again, the new end of validity
    with schema_context("alpha"):
        membership_extend(acting_user=hq_admin(), membership=joined, years=1)
        valid_until = Membership.objects.get(pk=joined.pk).valid_until.isoformat()
    row = _row(hq, "oynn")
    assert (row["status"], row["in_arrears"], row["valid_until"]) == \
        ("active", False, valid_until)

    # a level change: the new type and its number
    with schema_context("alpha"):
        from tenant_apps.configuration.models import MemberType

        changed = membership_change_level(acting_user=hq_admin(), membership=joined,
                                          member_type=MemberType.objects.get(code="senior"),
                                          rank=None)
        new_number = changed.number
    assert new_number != number
    row = _row(hq, "oynn")
    assert (row["member_type_name"], row["number"]) == ("高级会员", new_number)

    # withdrawal by staff
    with schema_context("alpha"):
        membership_withdraw(membership=joined, actor=hq_admin(), reason="本人申请",
                            by_staff=True)
    assert _row(hq, "oynn")["status_label"] == "已退会"
    statuses = {s["code"]: s["n"] for s in
                hq.get("/api/v1/members/").json()["counts"]["statuses"]}
    assert (statuses["active"], statuses["withdrawn"]) == (0, 1)


def test_the_members_own_phone_change_shows_in_the_list(alpha):
    from tenant_apps.accounts.tests.test_account_settings import sms_code
    from tenant_apps.records.tests.helpers import member

    with schema_context("alpha"):
        joined = member("regular", 2)
    client = client_for(joined.user, alpha.host)
    client.post("/member/account/code/", {"purpose": "phone", "phone": "13612340077"})
    assert client.post("/member/account/phone/", {
        "phone": "13612340077", "code": sms_code("13612340077")}).status_code == 302
    hq = alpha.client("hq_admin")
    assert _row(hq, "13612340077")["number"] == joined.number


def test_a_units_contacts_and_a_branch_join_show_in_the_list():
    """CACEM's liaisons (staff add one: its mobile finds the unit) and the generic society's
    加入分支机构 (approved: the unit's branch moves)."""
    from tenant_apps.accounts.models import User
    from tenant_apps.records.change_requests import branch_join_submit, change_request_decide
    from tenant_apps.records.models import ChangeRequest, MemberRecord
    from tenant_apps.records.services import contact_add
    from tenant_apps.records.tests.helpers import member, provision
    from tenant_apps.records.tests.test_change_requests import _branch_admin, _generic

    slug = provision("cacem")
    with schema_context(slug):
        unit = member("unit", 3, rank="regular",
                      answers={"company_name": "中建八局第一建设有限公司"})
        admin = User.objects.get(email=f"admin@{slug}.test")
        contact_add(acting_user=admin, record=MemberRecord.objects.get(membership=unit),
                    data={"role": "第二联络员", "name": "李联络", "department": "办公室",
                          "position": "主任", "mobile": "13755556666",
                          "email": "li@zj8.test"})
    hq = client_for(admin, f"{slug}.localhost")
    assert _row(hq, "13755556666")["name"] == "中建八局第一建设有限公司"
    assert _row(hq, "li@zj8.test")["number"] == unit.number

    slug = _generic()
    with schema_context(slug):
        joined = member("individual", 4, branch="east")
        record = MemberRecord.objects.get(membership=joined)
        north = _branch_admin("north", "ba-north-dir")
        branch_join_submit(acting_user=joined.user, record=record, branch_code="north")
        change_request_decide(actor=north, request=ChangeRequest.objects.get(kind="branch"),
                              decision="approve", expected_position=0)
    north_list = client_for(north, f"{slug}.localhost").get("/api/v1/members/").json()
    assert [r["number"] for r in north_list["results"]] == [joined.number]
    assert north_list["results"][0]["branch_name"] == "华北分会"
