"""Changes a member asks for, reviewed: CAQ 信息变更 with proof, CACEM's administrator
deciding a new company name, the generic society's 资料变更申请 by the member's branch and
加入分支机构 by the branch asked; 我的申请 lists them with joining and level changes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.errors import AppError
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.tests.helpers import PDF, PNG
from tenant_apps.notifications.models import OutboxMessage
from tenant_apps.records.change_requests import (
    branch_join_submit,
    change_request_decide,
    change_request_submit,
)
from tenant_apps.records.models import ChangeRequest, MemberRecord
from tenant_apps.records.tests.helpers import PASSWORD, client_for, member, provision
from tenants.models import Association
from tenants.services import association_create

pytestmark = pytest.mark.django_db


def _caq_unit(n=1):
    return member("unit", n, rank="regular", answers={"unit_name": f"青岛质量{n}号有限公司",
                                      "address": "青岛市市南区香港中路1号"})


def _reviewer(username="caq-reviewer", roles=(Role.REVIEWER,)):
    return user_create(acting_user=None, name="审核员小张", username=username,
                       password=PASSWORD, roles=list(roles))


def _proof(name="变更通知.pdf", content=PDF):
    return SimpleUploadedFile(name, content)


def _change_form(record, **changes):
    """What the 信息变更 page posts: every reviewed field with today's value, some changed."""
    values = {"unit_name": record.values["unit_name"], "industry": record.values["industry"],
              "address": record.values["address"], "staff_size": record.values["staff_size"],
              "region_province": record.values["region"]["province"],
              "region_city": record.values["region"]["city"]}
    return {**values, **changes}


def test_caq_info_change_with_proof_is_reviewed_then_applied_at_once():
    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _caq_unit()
        owner = membership.user
        record = MemberRecord.objects.get(membership=membership)
        reviewer = _reviewer()
        form = _change_form(record, unit_name="青岛质量新名称有限公司",
                            address="青岛市崂山区海尔路2号")
    page = client_for(owner, host).get("/member/profile/change/")
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("信息变更", "变更证明材料", "青岛质量1号有限公司", "提交"):
        assert shown in text, shown
    response = client_for(owner, host).post("/member/profile/change/",
                                            {**form, "note": "公司更名", "proof": _proof()})
    assert response.status_code == 302
    with schema_context(slug):
        request = ChangeRequest.objects.get()
        record.refresh_from_db()
        # nothing changes before the review
        assert record.values["unit_name"] == "青岛质量1号有限公司"
        assert request.changes == {
            "unit_name": {"old": "青岛质量1号有限公司", "new": "青岛质量新名称有限公司"},
            "address": {"old": "青岛市市南区香港中路1号", "new": "青岛市崂山区海尔路2号"}}
        assert request.proofs.count() == 1
    mine = client_for(owner, host).get(response["Location"]).content.decode()
    for shown in ("信息变更", "待信息变更审核", "青岛质量1号有限公司", "青岛质量新名称有限公司",
                  "变更通知.pdf", "撤回申请"):
        assert shown in mine, shown
    # the reviewer's queue and the page with old and new side by side
    staff = client_for(reviewer, host)
    queue = staff.get("/review/changes/").content.decode()
    assert "青岛质量1号有限公司" in queue and "信息变更审核" in queue
    review = staff.get(f"/review/changes/{request.public_id}/").content.decode()
    for shown in ("地址", "青岛市市南区香港中路1号", "青岛市崂山区海尔路2号", "公司更名", "通过",
                  "驳回"):
        assert shown in review, shown
    proof_id = request.proofs.get().file.public_id
    assert staff.get(f"/files/{proof_id}/view/").status_code == 200
    decided = staff.post(f"/review/changes/{request.public_id}/",
                         {"decision": "approve", "position": "0"})
    assert decided.status_code == 302
    with schema_context(slug):
        record.refresh_from_db()
        assert record.values["unit_name"] == "青岛质量新名称有限公司"
        assert record.values["address"] == "青岛市崂山区海尔路2号"
        # 单位名称即登录账号: the new name is the account's name now
        assert User.objects.get(pk=owner.pk).name == "青岛质量新名称有限公司"
        audit = AuditEntry.objects.get(action="record.change_approved")
        assert audit.data["changes"]["unit_name"] == {"old": "青岛质量1号有限公司",
                                                      "new": "青岛质量新名称有限公司"}
        # staff lists and the next receipt name the unit by its current name
        from types import SimpleNamespace

        from tenant_apps.applications.selectors import parties
        from tenant_apps.billing.selectors import receipt_initial

        assert parties([owner])[owner.pk] == "青岛质量新名称有限公司"
        renewal = SimpleNamespace(payer=User.objects.get(pk=owner.pk), application=None,
                                  member_type=membership.member_type)
        assert receipt_initial(renewal)["title"] == "青岛质量新名称有限公司"
        inbox = OutboxMessage.objects.get(event="change_approved", channel="inbox")
        assert inbox.body == "您的申请（信息变更）已通过，已生效。"
        email = OutboxMessage.objects.get(event="change_approved", channel="email")
        # the link opens the request's page on the association's own site
        assert "已通过，已生效：http://caq.localhost" in email.body
        assert email.body.endswith(f"/member/requests/{request.public_id}/"), email.body
    # the member's history has the approved change, with the fields' labels
    history = client_for(owner, host).get("/member/profile/").content.decode()
    assert "提交申请" in history and "申请已通过并生效" in history
    assert "信息变更 · 单位名称、地址" in history
    listing = client_for(owner, host).get("/member/requests/").content.decode()
    for shown in ("我的申请", "信息变更", "单位名称、地址", "已通过", "入会申请"):
        assert shown in listing, listing[listing.find("<main"):]


def test_caq_refusals_change_nothing():
    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _caq_unit(2)
        owner = membership.user
        record = MemberRecord.objects.get(membership=membership)
        form = _change_form(record, address="新地址1号")
    client = client_for(owner, host)
    # no proof
    response = client.post("/member/profile/change/", form)
    assert response.status_code == 400
    assert "请上传变更证明材料" in response.content.decode()
    assert "新地址1号" in response.content.decode()  # what was typed is kept
    # a proof that is not PDF or JPG (a PNG here: CAQ takes .pdf .jpg)
    response = client.post("/member/profile/change/", {**form, "proof": _proof("a.png", PNG)})
    assert response.status_code == 400
    assert "请以 PDF、JPG 格式上传证明材料" in response.content.decode()
    # nothing changed
    response = client.post("/member/profile/change/",
                           {**_change_form(record), "proof": _proof()})
    assert response.status_code == 400
    assert "您没有修改任何内容" in response.content.decode()
    # a bad value for its field
    response = client.post("/member/profile/change/",
                           {**form, "unit_name": "", "proof": _proof()})
    assert response.status_code == 400
    with schema_context(slug):
        assert not ChangeRequest.objects.exists()
        # contacts' fields and fields not reviewed cannot be asked for
        with pytest.raises(AppError) as info:
            change_request_submit(acting_user=owner, record=record,
                                  changes={"form_filler": "某人"}, proofs=[_proof()])
        assert info.value.code == "not_editable"
        first = change_request_submit(acting_user=owner, record=record,
                                      changes={"address": "新地址2号"}, proofs=[_proof()])
        # a second one while the first is in review
        with pytest.raises(AppError) as info:
            change_request_submit(acting_user=owner, record=record,
                                  changes={"address": "新地址3号"}, proofs=[_proof()])
        assert (info.value.code, info.value.status) == ("request_open", 409)
        # another member cannot ask for this one
        other = _caq_unit(3).user
        with pytest.raises(AppError) as info:
            change_request_submit(acting_user=other, record=record,
                                  changes={"address": "x"}, proofs=[_proof()])
        assert info.value.status == 403
        assert ChangeRequest.objects.filter(pk=first.pk).count() == 1
    page = client.get("/member/profile/change/").content.decode()
    assert "您的信息变更申请正在审核中" in page


def test_rejection_needs_a_reason_and_the_member_reads_it():
    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _caq_unit(4)
        record = MemberRecord.objects.get(membership=membership)
        reviewer = _reviewer("caq-reviewer-4")
        request = change_request_submit(acting_user=membership.user, record=record,
                                        changes={"address": "济南市历下区1号"},
                                        proofs=[_proof()])
    staff = client_for(reviewer, host)
    # the member's page tells staff a request is waiting, and links to it
    detail = staff.get(f"/manage/members/{membership.number}/").content.decode()
    assert "审核中的申请" in detail and f"/review/changes/{request.public_id}/" in detail
    refused = staff.post(f"/review/changes/{request.public_id}/",
                         {"decision": "reject", "position": "0", "reason": ""})
    assert refused.status_code == 400
    assert "请填写驳回原因" in refused.content.decode()
    staff.post(f"/review/changes/{request.public_id}/",
               {"decision": "reject", "position": "0", "reason": "证明材料未盖章"})
    with schema_context(slug):
        request.refresh_from_db()
        record.refresh_from_db()
        assert request.status == "rejected" and request.reason == "证明材料未盖章"
        assert record.values["address"] == "青岛市市南区香港中路1号"
        sms = OutboxMessage.objects.get(event="change_rejected", channel="sms")
        assert "证明材料未盖章" in sms.body and "信息变更" in sms.body
    page = client_for(membership.user, host).get(
        f"/member/requests/{request.public_id}/").content.decode()
    for shown in ("已驳回", "证明材料未盖章", "重新申请"):
        assert shown in page, shown
    # a second decision of the same step is refused, nothing applied twice
    again = staff.post(f"/review/changes/{request.public_id}/",
                       {"decision": "approve", "position": "0"})
    assert again.status_code == 409


def test_staff_who_may_not_decide_see_no_buttons_and_are_refused():
    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _caq_unit(5)
        record = MemberRecord.objects.get(membership=membership)
        finance = _reviewer("caq-finance", roles=(Role.FINANCE,))
        _reviewer("caq-reviewer-5")
        request = change_request_submit(acting_user=membership.user, record=record,
                                        changes={"address": "烟台1号"}, proofs=[_proof()])
        with pytest.raises(AppError) as info:
            change_request_decide(actor=finance, request=request, decision="approve",
                                  expected_position=0)
        assert info.value.status in (403, 404)
    # finance holds no members.view: the page does not exist for them
    assert client_for(finance, host).get(f"/review/changes/{request.public_id}/") \
        .status_code == 404
    assert "烟台1号" not in client_for(finance, host).get("/review/changes/").content.decode()
    # a member cannot open the staff pages
    assert client_for(membership.user, host).get(
        f"/review/changes/{request.public_id}/").status_code == 404


def _generic(slug="gensoc"):
    if not Association.objects.filter(slug=slug).exists():
        association_create(acting_user=None, name="示例学会", slug=slug, profile="generic",
                           admin_name="管理员", admin_email=f"admin@{slug}.test",
                           admin_password="Admin-passw0rd-2026",
                           bank_account={"account_name": "示例学会",
                                         "account_number": "6222000011",
                                         "bank_name": "建设银行北京分行"})
    return slug


def _branch_admin(code, username):
    from tenant_apps.configuration.models import Branch

    admin = user_create(acting_user=None, name=f"{code}管理员", username=username,
                        password=PASSWORD, roles=[Role.BRANCH_ADMIN])
    Branch.objects.get(code=code).admins.add(admin)
    return admin


def test_generic_join_a_branch_is_decided_by_that_branch():
    slug = _generic()
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = member("individual", 11, branch="east")
        record = MemberRecord.objects.get(membership=membership)
        assert record.branch.code == "east"
        north = _branch_admin("north", "ba-north")
        east = _branch_admin("east", "ba-east")
    client = client_for(membership.user, host)
    page = client.get("/member/branch/").content.decode()
    assert "加入分支机构" in page and "华北分会" in page
    assert "华东分会</option>" not in page  # the branch it is in is not offered
    response = client.post("/member/branch/", {"branch": "north", "note": "工作调动到北京"})
    assert response.status_code == 302
    with schema_context(slug):
        request = ChangeRequest.objects.get(kind="branch")
    # the branch asked decides, not the member's own branch
    assert "工作调动到北京" in client_for(north, host).get(
        f"/review/changes/{request.public_id}/").content.decode()
    assert str(request.public_id) in client_for(north, host).get("/review/changes/") \
        .content.decode()
    assert str(request.public_id) not in client_for(east, host).get("/review/changes/") \
        .content.decode()
    with schema_context(slug):
        with pytest.raises(AppError):
            change_request_decide(actor=east, request=request, decision="approve",
                                  expected_position=0)
        change_request_decide(actor=north, request=request, decision="approve",
                              expected_position=0)
        record.refresh_from_db()
        assert record.branch.code == "north"
        assert AuditEntry.objects.filter(action="record.branch_changed").count() == 1
        # an unknown or closed branch is refused with the field named
        with pytest.raises(AppError) as info:
            branch_join_submit(acting_user=membership.user, record=record, branch_code="moon")
        assert info.value.field == "branch"
    listing = client.get("/member/requests/").content.decode()
    assert "加入分支机构" in listing and "华北分会" in listing and "已通过" in listing


def test_generic_change_of_details_goes_to_the_members_branch():
    slug = _generic()
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = member("individual", 12, branch="south")
        south = _branch_admin("south", "ba-south")
        north = _branch_admin("north", "ba-north-2")
        record = MemberRecord.objects.get(membership=membership)
        request = change_request_submit(acting_user=membership.user, record=record,
                                        changes={"employer": "某某研究院"})
        assert request.steps[0]["name"] == "资料变更审核"
    # the other branch's administrator does not even see it
    assert client_for(north, host).get(f"/review/changes/{request.public_id}/") \
        .status_code == 404
    client_for(south, host).post(f"/review/changes/{request.public_id}/",
                                 {"decision": "approve", "position": "0"})
    with schema_context(slug):
        record.refresh_from_db()
        assert record.values["employer"] == "某某研究院"


def test_cmes_interest_branches_change_at_once_up_to_three(alpha):
    with schema_context("alpha"):
        membership = member("senior", 21)
        record = MemberRecord.objects.get(membership=membership)
    client = client_for(membership.user, alpha.host)
    page = client.get("/member/profile/?tab=2&edit=2").content.decode()
    assert "兴趣分会" in page
    section = 2
    response = client.post(f"/member/profile/{section}/save/",
                           {"interest_branches": ["robot", "mech_history"],
                            "work_experience": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("alpha"):
        record.refresh_from_db()
        assert record.values["interest_branches"] == ["robot", "mech_history"]


def test_change_requests_over_the_api():
    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _caq_unit(6)
        reviewer = _reviewer("caq-reviewer-6")
    client = client_for(membership.user, host)
    client.cookies["django_language"] = "zh-hans"
    # changes not given as an object
    refused = client.post("/api/v1/member/change-requests/",
                          {"kind": "info", "changes": "[1, 2]"})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "changes"
    # JSON without the proof CAQ asks for
    refused = client.post("/api/v1/member/change-requests/",
                          {"kind": "info", "changes": {"address": "威海1号"}},
                          content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "proof_required"
    # multipart: the changes as a JSON string beside the proof
    made = client.post("/api/v1/member/change-requests/", {
        "kind": "info", "changes": '{"address": "威海市环翠区1号"}', "note": "搬迁",
        "proof": _proof()})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind_label"], body["status_label"]) == ("信息变更", "待信息变更审核")
    assert body["changes"] == [{"key": "address", "label": "地址",
                                "old": "青岛市市南区香港中路1号", "new": "威海市环翠区1号"}]
    assert [r["id"] for r in client.get("/api/v1/member/change-requests/").json()] \
        == [body["id"]]
    staff = client_for(reviewer, host)
    staff.cookies["django_language"] = "zh-hans"
    path = f"/api/v1/change-requests/{body['id']}/"
    assert staff.get(path).json()["note"] == "搬迁"
    wrong_step = staff.post(path, {"decision": "approve", "position": 1},
                            content_type="application/json")
    assert wrong_step.status_code == 409
    decided = staff.post(path, {"decision": "approve", "position": 0},
                         content_type="application/json")
    assert decided.status_code == 200
    assert decided.json()["status_label"] == "已通过"
    with schema_context(slug):
        assert MemberRecord.objects.get(membership=membership).values["address"] \
            == "威海市环翠区1号"
    # the member cannot decide, and gets nothing for the staff path
    assert client.post(path, {"decision": "approve", "position": 0},
                       content_type="application/json").status_code == 404


def _menu(page: str) -> list[str]:
    import re

    nav = page[page.index('class="centre-nav'):]
    nav = nav[:nav.index("</nav>")]
    return [re.sub(r"<[^>]+>", "", m).strip()
            for m in re.findall(r'class="centre-nav-item[^"]*"[^>]*>(.*?)</(?:a|button)>', nav,
                                re.S)]


def test_the_menu_offers_what_the_type_allows():
    caq = provision("caq")
    with schema_context(caq):
        unit = _caq_unit(7)
    menu = _menu(client_for(unit.user, f"{caq}.localhost").get("/member/").content.decode())
    assert menu[:5] == ["会员首页", "我的资料", "联系人管理", "信息变更", "我的申请"]
    assert "加入分支机构" not in menu
    generic = _generic()
    with schema_context(generic):
        person = member("individual", 13, branch="east")
    menu = _menu(client_for(person.user, f"{generic}.localhost").get("/member/")
                 .content.decode())
    assert menu[:5] == ["会员首页", "我的资料", "信息变更", "加入分支机构", "我的申请"]
    # suspended: nothing to ask for until renewed (the pages refuse too)
    from tenant_apps.memberships.models import Membership

    with schema_context(caq):
        Membership.objects.filter(pk=unit.pk).update(status="suspended")
    client = client_for(unit.user, f"{caq}.localhost")
    assert "信息变更" not in _menu(client.get("/member/").content.decode())
    closed = client.get("/member/profile/change/")
    assert closed.status_code == 403 and "已暂停" in closed.content.decode()
    with schema_context(caq):
        record = MemberRecord.objects.get(membership=unit)
        with pytest.raises(AppError) as info:
            change_request_submit(acting_user=unit.user, record=record,
                                  changes={"address": "x"}, proofs=[_proof()])
        assert info.value.status == 403


def test_after_a_rejection_and_on_withdrawal():
    slug = provision("caq")
    host = f"{slug}.localhost"
    with schema_context(slug):
        membership = _caq_unit(8)
        record = MemberRecord.objects.get(membership=membership)
        reviewer = _reviewer("caq-reviewer-8")
        secretariat = _reviewer("caq-secretariat-8", roles=(Role.SECRETARIAT,))
        first = change_request_submit(acting_user=membership.user, record=record,
                                      changes={"address": "日照市东港区1号"}, note="新址",
                                      proofs=[_proof()])
    # the secretariat may read it, and is told who decides
    page = client_for(secretariat, host).get(f"/review/changes/{first.public_id}/")
    assert "此环节由总会审核员审核。" in page.content.decode()
    staff = client_for(reviewer, host)
    staff.post(f"/review/changes/{first.public_id}/",
               {"decision": "reject", "position": "0", "reason": "证明材料未盖章。"})
    with schema_context(slug):
        sms = OutboxMessage.objects.get(event="change_rejected", channel="sms")
        assert "证明材料未盖章。您可以" in sms.body  # never 。。
    decided = staff.get(f"/review/changes/{first.public_id}/").content.decode()
    assert "变更前" in decided and "审核员小张" in decided
    # 重新申请 starts from what was asked
    again = client_for(membership.user, host).get(
        f"/member/profile/change/?again={first.public_id}").content.decode()
    assert 'value="日照市东港区1号"' in again and "新址" in again
    # 退会 takes open requests back with it: nothing is applied or announced afterwards
    with schema_context(slug):
        from tenant_apps.memberships.services import membership_withdraw

        second = change_request_submit(acting_user=membership.user, record=record,
                                       changes={"address": "日照市东港区2号"},
                                       proofs=[_proof()])
        membership_withdraw(membership=membership, actor=membership.user, reason="",
                            by_staff=False)
        second.refresh_from_db()
        assert (second.status, second.reason) == ("cancelled", "会籍已终止，申请随之撤回。")
        with pytest.raises(AppError) as info:
            change_request_decide(actor=reviewer, request=second, decision="approve",
                                  expected_position=0)
        assert info.value.status == 409
