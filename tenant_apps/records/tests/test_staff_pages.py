"""What staff see and do on a member's page (/manage/members/<number>/): HQ administrators
change any field with a reason and manage the contacts; branch administrators and reviewers
only read; staff who may withdraw members do it from the page; one history for all."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.records.models import MemberRecord
from tenant_apps.records.tests.helpers import PASSWORD, client_for, hq_admin, member, provision

pytestmark = pytest.mark.django_db

LIAISONS = [
    {"liaison_name": "王第一", "liaison_department": "办公室", "liaison_position": "主任",
     "liaison_mobile": "13911110001", "liaison_email": "first@unit.test"},
]


def _cacem_member(n=1):
    return member("unit", n, rank="council",
                  answers={"liaisons": LIAISONS, "company_name": "旧名称建设集团有限公司"})


def _form(record: MemberRecord, index: int, **changed) -> dict:
    """What the edit form of tab `index` posts when nothing but `changed` is typed over."""
    from tenant_apps.records.layout import layout_of
    from tenant_apps.records.services import record_type_doc

    data = {}
    values = {**record.values, **changed}
    for spec in layout_of(record_type_doc(record))["sections"][index]["fields"]:
        key, value = spec["key"], values.get(spec["key"])
        if spec["type"] == "region":
            data[f"{key}_province"] = (value or {}).get("province", "")
            data[f"{key}_city"] = (value or {}).get("city", "")
        elif spec["type"] == "group":
            for i, item in enumerate(value or []):
                for sub, v in item.items():
                    data[f"{key}-{i}-{sub}"] = v
        elif spec["type"] == "multichoice":
            data[key] = list(value or [])
        elif spec["type"] != "image" and value is not None:
            data[key] = value
    return data


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_hq_changes_the_company_name_and_the_history_shows_it_with_the_reason():
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _cacem_member()
        record = membership.record
        admin = hq_admin()
        data = _form(record, 0, company_name="新名称建设集团有限公司")
    client = client_for(admin, host)
    page = client.get(f"/manage/members/{membership.number}/")
    assert f'href="/manage/members/{membership.number}/edit/0/"' in text(page)
    form = client.get(f"/manage/members/{membership.number}/edit/0/")
    assert form.status_code == 200
    # every field of the tab is an input, the one members may not change too
    assert 'name="company_name" value="旧名称建设集团有限公司"' in text(form)
    assert 'name="reason"' in text(form)
    saved = client.post(f"/manage/members/{membership.number}/edit/0/",
                        {**data, "reason": "营业执照变更"})
    assert saved.status_code == 302, text(saved)[:3000]
    assert saved["Location"] == f"/manage/members/{membership.number}/?tab=0"
    shown = text(client.get(saved["Location"]))
    assert "新名称建设集团有限公司" in shown
    assert "旧名称建设集团有限公司" not in shown
    history = shown[shown.index("record-history"):]
    assert re.search(r"资料修改</strong> · <span class=\"history-detail\">企业中文全称</span> "
                     r"<small class=\"muted history-actor\">" + re.escape(admin.name) +
                     r"</small><br>"
                     r"<span class=\"reason\">营业执照变更</span>", history), history
    with schema_context(slug):
        entry = AuditEntry.objects.get(action="record.changed")
        assert entry.reason == "营业执照变更"
        assert entry.data["changes"] == {"company_name": {
            "old": "旧名称建设集团有限公司", "new": "新名称建设集团有限公司"}}
    # the member sees it too, on 我的资料 and in the API
    mine = text(client_for(membership.user, host).get("/member/profile/"))
    assert "新名称建设集团有限公司" in mine and "营业执照变更" in mine
    api = client.get(f"/api/v1/members/{membership.number}/").json()
    changed = [e for e in api["history"] if e["kind"] == "record"]
    assert [(e["label"], e["detail"], e["note"], e["actor"]) for e in changed] == [
        ("资料修改", "企业中文全称", "营业执照变更", "Admin")]


def test_a_change_without_a_reason_is_refused_and_shown_again():
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _cacem_member()
        data = _form(membership.record, 0, company_name="新名称建设集团有限公司")
        admin = hq_admin()
    refused = client_for(admin, host).post(
        f"/manage/members/{membership.number}/edit/0/", {**data, "reason": "  "})
    assert refused.status_code == 400
    page = text(refused)
    assert "请填写理由：会员将看到该理由。" in page
    assert 'name="company_name" value="新名称建设集团有限公司"' in page  # as typed
    with schema_context(slug):
        assert MemberRecord.objects.get(pk=membership.record.pk).values["company_name"] == \
            "旧名称建设集团有限公司"
        assert not AuditEntry.objects.filter(action="record.changed").exists()


def test_a_bad_phone_is_refused_with_its_message_and_nothing_changes(alpha):
    with schema_context("alpha"):
        membership = member("senior", 1)
        record = membership.record
        before = dict(record.values)
        data = _form(record, 0, mobile="12345", employer="新单位")
    response = alpha.client("hq_admin").post(f"/manage/members/{membership.number}/edit/0/",
                                             {**data, "reason": "会员来电更正"})
    assert response.status_code == 400
    page = text(response)
    # the field's own translated message, beside the field, the typed values kept
    field = page[page.index('id="f_mobile"') - 200:page.index('id="f_mobile"') + 400]
    assert 'value="12345"' in field
    assert re.search(r'<small class="error" role="alert">[^<]*手机[^<]*</small>', field), field
    assert 'name="employer" value="新单位"' in page
    assert 'name="reason"' in page and "会员来电更正" in page
    with schema_context("alpha"):
        record.refresh_from_db()
        assert record.values == before
        assert not AuditEntry.objects.filter(action="record.changed").exists()


def test_branch_admins_and_reviewers_read_but_cannot_edit(alpha):
    from tenant_apps.configuration.models import Branch

    with schema_context("alpha"):
        membership = member("senior", 2, branch="robot")
        own = user_create(acting_user=None, name="机器人分会", username="ba-robot-2",
                          password=PASSWORD, roles=[Role.BRANCH_ADMIN])
        Branch.objects.get(code="robot").admins.add(own)
        other = user_create(acting_user=None, name="机械史分会", username="ba-history-2",
                            password=PASSWORD, roles=[Role.BRANCH_ADMIN])
        Branch.objects.get(code="mech_history").admins.add(other)
        data = {**_form(membership.record, 0, employer="改掉"), "reason": "x"}
        before = dict(membership.record.values)
    base = f"/manage/members/{membership.number}/"
    for client in (client_for(own, alpha.host), alpha.client("reviewer")):
        page = client.get(base)
        assert page.status_code == 200
        assert "/edit/" not in text(page)  # no edit button
        assert "/withdraw/" not in text(page)
        assert client.post(f"{base}edit/0/", data).status_code == 403
        assert client.get(f"{base}edit/0/").status_code == 403
        assert client.post(f"{base}withdraw/", {"reason": "x"}).status_code == 403
    # a branch administrator of another branch does not even find the member
    assert client_for(other, alpha.host).post(f"{base}edit/0/", data).status_code == 404
    assert alpha.client("finance").post(f"{base}edit/0/", data).status_code == 404
    assert alpha.client("other").post(f"{base}edit/0/", data).status_code == 404
    with schema_context("alpha"):
        assert MemberRecord.objects.get(membership=membership).values == before
        assert membership.__class__.objects.get(pk=membership.pk).status == "active"


def test_the_member_page_shows_the_records_own_tabs_by_name_beside_its_sections():
    """Staff reach a unit's 联络员信息 from the page: the record's tabs are named links (they
    were empty links "?tab=" when the page's sections took their name in the context)."""
    slug = provision("cacem")
    with schema_context(slug):
        membership = _cacem_member()
        admin = hq_admin()
    page = text(client_for(admin, f"{slug}.localhost").get(
        f"/manage/members/{membership.number}/"))
    assert ('<a href="?tab=0" class="current" aria-current="page">企业信息</a>'
            '<a href="?tab=1">联络员信息</a><a href="?tab=2">资质信息</a>') in page
    assert 'href="?tab="' not in page
    assert (f'<a href="/manage/members/{membership.number}/" class="current" '
            f'aria-current="page">资料</a>') in page
    assert f'<a href="/manage/members/{membership.number}/?show=timeline">操作记录</a>' in page


def test_hq_manages_the_contacts_from_the_member_page():
    slug = provision("cacem")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _cacem_member()
        admin = hq_admin()
        reviewer = user_create(acting_user=None, name="审核员", username="r-contacts",
                               password=PASSWORD, roles=[Role.REVIEWER])
        first = membership.record.contacts.get()
    client = client_for(admin, host)
    base = f"/manage/members/{membership.number}/contacts/"
    page = text(client.get(f"/manage/members/{membership.number}/?tab=1"))
    assert f'action="{base}"' in page and f'action="{base}{first.pk}/"' in page
    second = {"role": "第二联络员", "name": "赵新", "department": "总经办", "position": "助理",
              "mobile": "13911110009", "email": "zhao@unit.test"}
    added = client.post(base, second)
    assert added.status_code == 302
    assert added["Location"] == f"/manage/members/{membership.number}/?tab=1"
    bad = client.post(f"{base}{first.pk}/", {**second, "role": "第一联络员", "mobile": "12"})
    assert bad.status_code == 400
    assert 'value="12"' in text(bad)
    assert client.post(f"{base}{first.pk}/", {
        "role": "第一联络员", "name": "王第一", "department": "办公室", "position": "副主任",
        "mobile": "13911110001", "email": "first@unit.test"}).status_code == 302
    assert client.post(f"{base}{first.pk}/remove/").status_code == 302
    reviewer_client = client_for(reviewer, host)
    assert "contacts/" not in text(reviewer_client.get(
        f"/manage/members/{membership.number}/?tab=1"))
    assert reviewer_client.post(base, second).status_code == 403
    with schema_context(slug):
        assert list(membership.record.contacts.values_list("name", flat=True)) == ["赵新"]
    shown = text(client.get(f"/manage/members/{membership.number}/"))
    for label in ("新增联系人", "修改联系人", "删除联系人"):
        assert label in shown, label


def test_staff_withdraw_a_member_from_the_page_with_a_reason(alpha):
    from tenant_apps.billing.models import Order
    from tenant_apps.billing.services import order_for_renewal

    with schema_context("alpha"):
        membership = member("senior", 3)
        order = order_for_renewal(membership=membership, actor=membership.user, years=1)
    client = alpha.client("hq_admin")
    base = f"/manage/members/{membership.number}/"
    page = text(client.get(base))
    assert f'href="{base}withdraw/"' in page
    confirm = text(client.get(f"{base}withdraw/"))
    assert "确认退会" in confirm and 'name="reason"' in confirm
    assert "1 张未付订单将被取消。" in confirm
    refused = client.post(f"{base}withdraw/", {"reason": "   "})
    assert refused.status_code == 400
    assert "请填写理由：会员将看到该理由。" in text(refused)
    with schema_context("alpha"):
        membership.refresh_from_db()
        assert membership.status == "active"
    done = client.post(f"{base}withdraw/", {"reason": "连续三年未参加活动"})
    assert done.status_code == 302
    assert done["Location"] == base
    shown = text(client.get(base))
    assert '<dd class="record-status">已退会</dd>' in shown
    history = shown[shown.index("record-history"):]
    assert re.search(r"已退会</strong> · <span class=\"history-detail\">[^<]*退会</span> "
                     r"<small class=\"muted history-actor\">alpha hq_admin</small><br>"
                     r"<span class=\"reason\">连续三年未参加活动</span>", history), history
    assert f'href="{base}withdraw/"' not in shown  # nothing left to withdraw
    with schema_context("alpha"):
        assert Order.objects.get(pk=order.pk).status == "cancelled"
    # once withdrawn, the page says so and offers no form; a POST is refused by the service
    notice = text(client.get(f"{base}withdraw/"))
    assert "该会籍不能办理退会：当前状态为已退会。" in notice and 'name="reason"' not in notice
    again = client.post(f"{base}withdraw/", {"reason": "再次"})
    assert again.status_code == 409
    assert "会籍不能从“已退会”变为“已退会”。" in text(again)


def test_a_transfer_being_checked_holds_the_withdrawal_back(alpha):
    from tenant_apps.billing.models import Order, OrderStatus
    from tenant_apps.billing.services import order_for_renewal

    with schema_context("alpha"):
        membership = member("senior", 4)
        order = order_for_renewal(membership=membership, actor=membership.user, years=1)
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.AWAITING_CONFIRMATION)
    response = alpha.client("secretariat").post(
        f"/manage/members/{membership.number}/withdraw/", {"reason": "违反章程"})
    assert response.status_code == 409
    page = text(response)
    assert "该会员有一笔款项正在确认中，暂不能办理退会。" in page
    assert "违反章程" in page  # the reason as typed
    with schema_context("alpha"):
        membership.refresh_from_db()
        assert membership.status == "active"


def test_one_history_for_the_page_the_member_and_the_apis(alpha):
    """Applications, the lifecycle's moves and the record's changes, in time order, labelled
    in Chinese, the system named 系统, never a key. A move the nightly job wrote for an
    earlier day shows that day and sorts there."""
    import datetime as dt

    from django.utils import timezone

    from tenant_apps.memberships.models import MembershipEvent

    with schema_context("alpha"):
        membership = member("senior", 5)
        MembershipEvent.objects.create(membership=membership, from_status="active",
                                       to_status="overdue", reason="unpaid",
                                       effective_on=dt.date(2020, 1, 1))
        MembershipEvent.objects.create(membership=membership, from_status="overdue",
                                       to_status="active", reason="arrears_paid",
                                       effective_on=timezone.localdate(),
                                       actor=membership.user)
    staff = text(alpha.client("hq_admin").get(f"/manage/members/{membership.number}/"))
    mine = text(client_for(membership.user, alpha.host).get("/member/profile/"))
    for page in (staff, mine):
        history = page[page.index("record-history"):]
        labels = re.findall(r'<strong class="history-label">([^<]+)</strong>', history)
        assert labels[0] == "欠费(宽限期)" and labels[-1] == "已补缴欠费", labels
        assert labels[1] == "开始申请" and "已提交" in labels, labels
        assert "<time>2020-01-01</time>" in history
        assert "有效期届满未交会费" in history and "系统" in history
        assert "system" not in history and "unpaid" not in history
        assert "arrears_paid" not in history
    member_api = client_for(membership.user, alpha.host).get("/api/v1/member/record/").json()
    staff_api = alpha.client("hq_admin").get(f"/api/v1/members/{membership.number}/").json()
    assert member_api["history"] == staff_api["history"]
    moves = [e for e in staff_api["history"] if e["kind"] == "membership"]
    assert [(e["label"], e["detail"], e["actor"]) for e in moves] == [
        ("欠费(宽限期)", "有效期届满未交会费", "系统"),
        ("已补缴欠费", "", membership.user.name)]
    lifecycle = client_for(membership.user, alpha.host).get(
        f"/api/v1/memberships/{membership.number}/history/").json()["history"]
    assert [e["label"] for e in lifecycle] == [e["label"] for e in
                                              reversed(staff_api["history"])]
    assert lifecycle[-1]["on"] == "2020-01-01"
    assert (lifecycle[0]["reason"], lifecycle[0]["from"], lifecycle[0]["to"]) == (
        "arrears_paid", "overdue", "active")
