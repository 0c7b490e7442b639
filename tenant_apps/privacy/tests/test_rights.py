"""我的数据 and 申请删除个人信息 as members and HQ see them (docs/personal-data.md): the download
of everything held about a member, the deletion request and its handling (anonymised while
orders and the member number stay, refused while money is in flight, rejected with a
reason), and consents recorded with their text's version."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenant_apps.privacy.models import ConsentRecord, DataExport, DeletionRequest
from tenant_apps.records.tests.helpers import PASSWORD, client_for, hq_admin, member

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
HOST = "alpha.localhost"


def _order(membership, number: str, status: str):
    """An order of the member's (the joining helper confirms payment without one)."""
    from tenant_apps.billing.models import Order

    return Order.objects.create(
        number=number, transfer_reference=number[-8:], kind=Order.Kind.RENEWAL,
        payer=membership.user, membership=membership, member_type=membership.member_type,
        years=1, unit_amount_fen=50000, amount_fen=50000, status=status,
        expires_at=timezone.now(), paid_at=timezone.now() if status == "confirmed" else None)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_member_downloads_everything_held_about_them_and_nobody_else_can(
        alpha, django_capture_on_commit_callbacks):
    with schema_context("alpha"):
        membership = member("senior", 21)
        _order(membership, "PRIV-PAID-21", "confirmed")
        owner, admin = membership.user, hq_admin()
    client = client_for(owner, HOST)
    page = _text(client.get("/member/data/"))
    assert "我的数据" in page and "下载我的数据" in page
    with django_capture_on_commit_callbacks(execute=True):  # the task, as a worker runs it
        response = client.post("/member/data/export/", follow=True)
    assert "正在准备您的数据" in _text(response)
    with schema_context("alpha"):
        export = DataExport.objects.get(user=owner)
        assert export.status == DataExport.Status.READY
    download = client.get(f"/member/data/exports/{export.public_id}/")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == ["data.html", "data.json"]
    data = json.loads(archive.read("data.json"))
    assert data["membership"]["number"] == membership.number
    assert {"label": "证件号", "key": "id_number", "value": ID_NUMBER,
            "shown": ID_NUMBER} in data["record"]
    assert data["applications"][0]["answers"]
    assert data["orders"][0]["number"] == "PRIV-PAID-21"
    assert data["orders"][0]["amount_yuan"] == "500.00"
    assert any(c["purpose"] for c in data["consents"]) or data["consents"] == []
    html = archive.read("data.html").decode()
    assert "我的数据" in html and "证件号" in html
    # read by a person: fields named in Chinese, values as the pages show them
    assert "<th>登录名</th>" in html and "<th>注册时间</th>" in html
    assert "<th>username</th>" not in html and "{'" not in html and "['" not in html
    # private: another member, and HQ staff, get nothing for the same link or its file
    with schema_context("alpha"):
        other = member("senior", 22).user
        file_id = export.file.public_id
    for stranger in (other, admin):
        assert client_for(stranger, HOST).get(
            f"/member/data/exports/{export.public_id}/").status_code == 404
        assert client_for(stranger, HOST).get(f"/files/{file_id}/").status_code == 404


def test_deletion_asked_by_the_member_and_done_by_hq_anonymises_and_keeps_the_orders(alpha):
    with schema_context("alpha"):
        membership = member("senior", 23)
        owner, admin = membership.user, hq_admin()
        number, phone = membership.number, owner.phone
        _order(membership, "PRIV-PAID-23", "confirmed")
        orders = [("PRIV-PAID-23", 50000)]
    client = client_for(owner, HOST)
    # a reason is required
    refused = client.post("/member/data/delete/", {"reason": " "})
    assert refused.status_code == 400 and "请说明申请理由" in _text(refused)
    client.post("/member/data/delete/", {"reason": "不再参加学会活动"})
    assert "已提交" in _text(client.get("/member/data/"))
    staff = client_for(admin, HOST)
    queue = _text(staff.get("/manage/privacy/"))
    assert "删除个人信息申请" in queue and number in queue
    with schema_context("alpha"):
        request = DeletionRequest.objects.get(user=owner)
    done = staff.post(f"/manage/privacy/{request.public_id}/", {"action": "complete"},
                      follow=True)
    assert "已处理" in _text(done)
    with schema_context("alpha"):
        person = User.objects.get(pk=owner.pk)
        assert person.name == f"已注销会员 {owner.pk}"
        assert person.phone is None and person.email is None and not person.is_active
        from tenant_apps.billing.models import Order
        from tenant_apps.certificates.models import Certificate
        from tenant_apps.memberships.models import Membership
        from tenant_apps.notifications.models import OutboxMessage
        from tenant_apps.records.models import MemberRecord

        kept = Membership.objects.get(pk=membership.pk)
        assert kept.number == number and kept.status == Membership.Status.WITHDRAWN
        assert MemberRecord.objects.get(membership=kept).values == {}
        assert not Certificate.objects.filter(membership=kept, status="issued").exists()
        assert list(Order.objects.filter(payer=owner).values_list(
            "number", "amount_fen")) == orders
        told = OutboxMessage.objects.filter(recipient=owner, event="staff_message",
                                            address=phone).first()
        assert told is not None and "已删除" in told.body
        from huiji.audit.models import AuditEntry

        assert AuditEntry.objects.filter(action="privacy.deletion_done").exists()
        assert AuditEntry.objects.filter(action="privacy.deletion_requested").exists()
    # the login has ended
    assert client.get("/member/data/").status_code in (302, 403)
    assert not client_for(owner, HOST).login(username=phone, password=PASSWORD)


def test_deletion_is_refused_while_a_payment_is_being_confirmed_and_changes_nothing(alpha):
    with schema_context("alpha"):
        membership = member("senior", 24)
        owner, admin = membership.user, hq_admin()
        _order(membership, "PRIV-WAIT-24", "awaiting_confirmation")
    client_for(owner, HOST).post("/member/data/delete/", {"reason": "请删除我的信息"})
    with schema_context("alpha"):
        request = DeletionRequest.objects.get(user=owner)
    staff = client_for(admin, HOST)
    page = _text(staff.get(f"/manage/privacy/{request.public_id}/"))
    assert "有一笔付款正在由财务确认" in page
    answer = staff.post(f"/manage/privacy/{request.public_id}/", {"action": "complete"})
    assert answer.status_code == 409 and "暂不能删除个人信息" in _text(answer)
    with schema_context("alpha"):
        assert User.objects.get(pk=owner.pk).name == owner.name
        assert DeletionRequest.objects.get(pk=request.pk).status == "submitted"


def test_hq_rejects_with_a_reason_the_member_reads_and_others_cannot_handle(alpha):
    with schema_context("alpha"):
        membership = member("senior", 25)
        owner, admin = membership.user, hq_admin()
    client = client_for(owner, HOST)
    client.post("/member/data/delete/", {"reason": "请删除"})
    with schema_context("alpha"):
        request = DeletionRequest.objects.get(user=owner)
    for role in ("reviewer", "finance", "secretariat", "branch_admin"):
        assert alpha.client(role).get("/manage/privacy/").status_code == 404
        assert alpha.client(role).post(f"/manage/privacy/{request.public_id}/",
                                       {"action": "complete"}).status_code == 404
    staff = client_for(admin, HOST)
    no_reason = staff.post(f"/manage/privacy/{request.public_id}/", {"action": "reject"})
    assert no_reason.status_code == 400
    staff.post(f"/manage/privacy/{request.public_id}/",
               {"action": "reject", "reason": "您有未结清的争议款项"})
    page = _text(client.get("/member/data/"))
    assert "已驳回" in page and "您有未结清的争议款项" in page
    # asking again is possible once decided; twice at once is not
    assert client.post("/member/data/delete/", {"reason": "再次申请"}).status_code == 302
    again = client.post("/member/data/delete/", {"reason": "又一次"})
    assert again.status_code == 409 and "已经申请" in _text(again)


def test_consents_are_recorded_with_their_text_version_and_shown_in_my_data(alpha):
    from tenant_apps.privacy.services import consent_record
    from tenant_apps.roster.models import RosterSettings
    from tenant_apps.roster.services import consent_give, consent_withdraw

    with schema_context("alpha"):
        membership = member("senior", 26)
        owner = membership.user
        RosterSettings.objects.update_or_create(singleton=True, defaults={
            "enabled": True, "columns": ["name"], "consent_text": "同意在会员名录中公开。"})
        consent_give(user=owner, fields=[], source="member_centre", offered=[],
                     consent_text="同意在会员名录中公开。")
        consent_withdraw(user=owner)
        consent_give(user=owner, fields=[], source="member_centre", offered=[],
                     consent_text="同意在会员名录中公开（新版）。")
        rows = list(ConsentRecord.objects.filter(user=owner, purpose="roster")
                    .order_by("at", "id").select_related("text"))
        assert [(r.action, r.text.version) for r in rows] == [
            ("given", 1), ("withdrawn", 1), ("given", 2)]
        consent_record(user=owner, purpose="privacy_policy", given=True, where="signup")
    page = _text(client_for(owner, HOST).get("/member/data/"))
    assert "我的同意记录" in page and "会员名录公开" in page and "已撤回" in page
    assert "同意在会员名录中公开（新版）。" in page and "第 2 版" in page


def test_sign_up_records_the_privacy_policy_consent(alpha):
    from tenant_apps.accounts.services import account_signup

    with schema_context("alpha"):
        user = account_signup(name="新用户", phone="13955550001", email=None,
                              password="Qx-9876-passw0rd", code=None, unit_name_login=False)
        row = ConsentRecord.objects.get(user=user)
        assert (row.purpose, row.action, row.where, row.text.version) == (
            "privacy_policy", "given", "signup", 1)
        assert "个人信息" in row.text.text
    signup = _text(alpha.client().get("/signup/"))
    assert "隐私政策" in signup
    assert "个人信息" in _text(alpha.client().get("/privacy/"))
