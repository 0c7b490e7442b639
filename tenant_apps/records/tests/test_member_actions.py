"""The staff member page's actions, as people use them: each a page to confirm, a success
message, what the member then sees (the member centre, the outbox), the audit row; refusals
(wrong role 403, another branch 404, bad input 400) change nothing. CMES senior (alpha): 100
yuan a year, valid to 31 December."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.billing.models import Order
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.memberships.models import Membership, MembershipPeriod
from tenant_apps.memberships.services import membership_activate
from tenant_apps.notifications.models import OutboxMessage
from tenant_apps.records.models import MemberRecord
from tenant_apps.records.tests.helpers import PASSWORD, client_for

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def senior(n: int, *, branch: str | None = None, until=dt.date(2030, 12, 31)) -> Membership:
    """A CMES senior member with a record (phone, e-mail, ID number) in `branch`."""
    person = applicant(n)
    membership = membership_activate(acting_user=None, user=person, rank=None, years=1,
                                     member_type=MemberType.objects.get(code="senior"),
                                     start=dt.date(2025, 3, 1))
    Membership.objects.filter(pk=membership.pk).update(valid_until=until)
    MembershipPeriod.objects.filter(membership=membership).update(ends_on=until)
    MemberRecord.objects.create(
        membership=membership, branch=Branch.objects.get(code=branch) if branch else None,
        values={"name": person.name, "mobile": person.phone, "email": person.email,
                "id_number": ID_NUMBER})
    membership.refresh_from_db()
    return membership


def branch_admin(code: str, n: int) -> User:
    user = user_create(acting_user=None, name=f"{code}管理员", username=f"ba-{code}-{n}",
                       password=PASSWORD, roles=[Role.BRANCH_ADMIN])
    Branch.objects.get(code=code).admins.add(user)
    return user


def status(membership) -> str:
    return Membership.objects.get(pk=membership.pk).status


def test_hq_suspends_and_reinstates_from_the_page_and_the_member_sees_it(alpha):
    with schema_context("alpha"):
        m = senior(701)
    client = alpha.client("hq_admin")
    base = f"/manage/members/{m.number}/"
    assert f'href="{base}suspend/"' in text(client.get(base))
    confirm = text(client.get(f"{base}suspend/"))
    assert "暂停会籍" in confirm and 'name="reason"' in confirm
    refused = client.post(f"{base}suspend/", {"reason": "  "})
    assert refused.status_code == 400
    assert "请填写理由：会员将看到该理由。" in text(refused)
    with schema_context("alpha"):
        assert status(m) == "active"
        assert not OutboxMessage.objects.filter(recipient=m.user).exists()
    done = client.post(f"{base}suspend/", {"reason": "会费票据涉嫌伪造，待核查"}, follow=True)
    page = text(done)
    assert f"会籍 {m.number} 已暂停，已通知会员。" in page
    assert '<span class="badge badge-suspended member-head-status">已暂停</span>' in page
    assert f'href="{base}reinstate/"' in page and f'href="{base}suspend/"' not in page
    # the member's centre says so, and why
    centre = text(client_for(m.user, alpha.host).get("/member/"))
    assert "已暂停" in centre
    assert "协会已暂停您的会籍：在协会恢复之前，会员服务暂停。" in centre
    with schema_context("alpha"):
        sms = OutboxMessage.objects.get(recipient=m.user, event="membership_suspended_by_staff",
                                        channel="sms")
        assert sms.body == (f"申请人701，Alpha Society已暂停您的高级会员会籍（会员号 {m.number}），"
                            "原因：会费票据涉嫌伪造，待核查。会籍恢复之前，会员服务暂停；"
                            "如有疑问，请联系协会。")
        audit = AuditEntry.objects.get(action="membership.suspended")
        assert (audit.actor_label, audit.reason) == ("alpha hq_admin", "会费票据涉嫌伪造，待核查")
    reinstate = text(client.get(f"{base}reinstate/"))
    assert "会籍将恢复为其日期所对应的状态：正式会员。" in reinstate
    back = client.post(f"{base}reinstate/", {"reason": "核查无误"}, follow=True)
    assert f"会籍 {m.number} 已恢复：正式会员。" in text(back)
    assert "协会已暂停您的会籍" not in text(client_for(m.user, alpha.host).get("/member/"))
    with schema_context("alpha"):
        assert status(m) == "active"
        assert OutboxMessage.objects.filter(recipient=m.user,
                                            event="membership_reinstated").count() == 3
    # both moves are on the history with their reasons
    history = text(client.get(base))
    history = history[history.index("record-history"):]
    for label, reason in (("由协会暂停", "会费票据涉嫌伪造，待核查"), ("由协会恢复", "核查无误")):
        assert re.search(label + r".*alpha hq_admin</small><br><span class=\"reason\">"
                         + reason, history), label


def test_who_may_do_what_on_the_member_page(alpha):
    with schema_context("alpha"):
        m = senior(702, branch="robot")
        own = branch_admin("robot", 702)
        other = branch_admin("mech_history", 702)
    base = f"/manage/members/{m.number}/"
    actions = ("suspend/", "reinstate/", "renew/", "reset-login/")
    # the branch's own administrator: reset the login and reveal, nothing else
    own_client = client_for(own, alpha.host)
    page = text(own_client.get(base))
    assert f'href="{base}reset-login/"' in page and f'action="{base}reveal/"' in page
    for path in ("suspend/", "renew/", "withdraw/"):
        assert f'href="{base}{path}"' not in page
    assert own_client.get(f"{base}reset-login/").status_code == 200
    for path in ("suspend/", "reinstate/", "renew/"):
        assert own_client.get(base + path).status_code == 403
        assert own_client.post(base + path, {"reason": "x", "years": "1",
                                             "mode": "free"}).status_code == 403
    # another branch's administrator and finance do not find the member at all
    for client in (client_for(other, alpha.host), alpha.client("finance"),
                   alpha.client("other")):
        for path in actions:
            assert client.get(base + path).status_code == 404
        assert client.post(f"{base}reveal/", {"field": "id_number"}).status_code == 404
    # a reviewer reads the page, acts on nothing and reveals nothing
    reviewer = alpha.client("reviewer")
    page = text(reviewer.get(base))
    assert "/reveal/" not in page and "/reset-login/" not in page and "/renew/" not in page
    assert reviewer.post(f"{base}reveal/", {"field": "id_number"}).status_code == 403
    # the secretariat suspends (and withdraws) but renews nothing
    secretariat = alpha.client("secretariat")
    assert f'href="{base}suspend/"' in text(secretariat.get(base))
    assert secretariat.get(f"{base}renew/").status_code == 403
    with schema_context("alpha"):
        assert status(m) == "active"
        assert not AuditEntry.objects.filter(action__startswith="member.").exists()
        assert not OutboxMessage.objects.filter(recipient=m.user).exists()


def test_renew_by_hand_with_cash_and_free_of_charge(alpha):
    with schema_context("alpha"):
        m = senior(703)
    client = alpha.client("hq_admin")
    url = f"/manage/members/{m.number}/renew/"
    form = text(client.get(url))
    assert "1 年 · ¥100 · 至 2031-12-31" in form
    assert "3 年 · ¥300 · 至 2033-12-31" in form
    assert '<option value="cash" selected>现金</option>' in form
    # bad input: 400 with the field's message, nothing changed
    for data, message in (
            ({"years": "1", "mode": "paid", "method": "cash", "amount": "150"},
             "收到的金额须等于所选年数的会费：100 元。"),
            ({"years": "1", "mode": "paid", "method": "cash", "amount": "一百"},
             "请输入以元为单位的金额"),
            ({"years": "abc", "mode": "paid", "method": "cash", "amount": "100"},
             "请选择年数。"),
            ({"years": "7", "mode": "paid", "method": "cash", "amount": "700"},
             "请选择可选的年限之一。"),
            ({"years": "1", "mode": "free", "reason": ""},
             "请填写免费延期的原因：会员将看到该原因。")):
        refused = client.post(url, data)
        assert refused.status_code == 400, data
        assert message in text(refused), (message, text(refused)[-3000:])
    with schema_context("alpha"):
        assert Membership.objects.get(pk=m.pk).valid_until == dt.date(2030, 12, 31)
        assert not Order.objects.filter(membership=m).exists()
    paid = client.post(url, {"years": "1", "mode": "paid", "method": "cash", "amount": "100",
                             "note": "收据 No.0031"}, follow=True)
    assert f"会籍 {m.number} 已续期，有效期至 2031-12-31。" in text(paid)
    orders = text(client.get(f"/manage/members/{m.number}/?show=orders"))
    assert re.search(r'<td data-label="金额">¥100</td> <td data-label="状态" class="order-status">'
                     r'已确认.*<td data-label="支付方式" class="order-method">现金</td>', orders)
    free = client.post(url, {"years": "2", "mode": "free", "reason": "理事会决议赠送两年"},
                       follow=True)
    assert f"会籍 {m.number} 已续期，有效期至 2033-12-31。" in text(free)
    # the member's fee record, and their messages
    fees = text(client_for(m.user, alpha.host).get("/member/fees/"))
    assert "免费延期" in fees
    with schema_context("alpha"):
        sms = OutboxMessage.objects.get(recipient=m.user, event="membership_extended",
                                        channel="sms").body
        assert sms == (f"申请人703，Alpha Society已将您的高级会员会籍（会员号 {m.number}）免费延长 "
                       "2 年，原因：理事会决议赠送两年。现有效期至 2033-12-31。")
        assert OutboxMessage.objects.filter(recipient=m.user,
                                            event="payment_confirmed").exists()


def test_reset_login_sends_a_one_time_link_that_staff_never_see(alpha):
    with schema_context("alpha"):
        m = senior(704, branch="robot")
        own = branch_admin("robot", 704)
    staff = client_for(own, alpha.host)
    url = f"/manage/members/{m.number}/reset-login/"
    confirm = text(staff.get(url))
    assert "139****0704" in confirm and "a***@example.test" in confirm
    done = staff.post(url, follow=True)
    assert "设置新密码的一次性链接已发送至 139****0704、a***@example.test。" in text(done)
    with schema_context("alpha"):
        sms = OutboxMessage.objects.get(recipient=m.user, event="login_reset", channel="sms")
        link = re.search(r"http://alpha\.localhost[^\s]*(/reset/[^\s]+/)", sms.body).group(1)
        assert set(OutboxMessage.objects.filter(recipient=m.user, event="login_reset")
                   .values_list("channel", flat=True)) == {"sms", "email"}
        assert AuditEntry.objects.get(action="account.login_reset").data["sent_to"] == [
            "139****0704", "a***@example.test"]
    # staff see that a link went out, never the link
    for show in ("messages", "timeline"):
        page = text(staff.get(f"/manage/members/{m.number}/?show={show}"))
        assert link not in page and "/reset/" not in page
    assert "此消息含一次性链接，不予显示。" in text(
        staff.get(f"/manage/members/{m.number}/?show=messages"))
    # the old password no longer logs in; the link sets a new one, once
    login = Client(HTTP_HOST=alpha.host)
    assert login.post("/login/", {"username": m.user.phone,
                                  "password": PASSWORD}).status_code != 302
    member = Client(HTTP_HOST=alpha.host)
    form = member.get(link, follow=True)
    assert 'name="new_password1"' in text(form)
    new = {"new_password1": "Yz-5678-newpass", "new_password2": "Yz-5678-newpass"}
    assert member.post(form.redirect_chain[-1][0], new).status_code == 302
    again = Client(HTTP_HOST=alpha.host).get(link, follow=True)
    assert 'name="new_password1"' not in text(again)
    with schema_context("alpha"):
        assert User.objects.get(pk=m.user.pk).check_password("Yz-5678-newpass")


def test_reveal_is_logged_and_shown_on_the_timeline(alpha):
    with schema_context("alpha"):
        m = senior(705, branch="robot")
        own = branch_admin("robot", 705)
    staff = client_for(own, alpha.host)
    base = f"/manage/members/{m.number}/"
    # the record's tab with the ID number (证件号) shows it masked, with 查看
    tab = next(i for i in range(6) if "证件号" in text(staff.get(f"{base}?tab={i}")))
    page = text(staff.get(f"{base}?tab={tab}"))
    assert "110***********002X" in page and ID_NUMBER not in page
    assert 'name="field" value="id_number"' in page
    answer = staff.post(f"{base}reveal/", {"field": "id_number"},
                        HTTP_ACCEPT="application/json")
    assert answer.json() == {"value": ID_NUMBER}
    # without the page's script: the member page again, the value in place
    shown = text(staff.post(f"{base}reveal/", {"field": "mobile"}))
    assert '<span class="personal revealed" data-personal="mobile">13900000705</span>' in shown
    bad = staff.post(f"{base}reveal/", {"field": "name"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "此处没有可查看的内容。"
    with schema_context("alpha"):
        rows = AuditEntry.objects.filter(action="member.data_revealed").order_by("id")
        assert [(r.actor_id, r.data["field"], r.data["member_number"]) for r in rows] == [
            (own.pk, "id_number", m.number), (own.pk, "mobile", m.number)]
    timeline = text(staff.get(f"{base}?show=timeline"))
    assert re.search(r'查看个人信息</strong> · <span class="timeline-detail">证件号</span> '
                     r'<small class="muted timeline-actor">robot管理员</small>', timeline)
    # HQ reads phones in full already; ID numbers are revealed the same way
    hq = text(alpha.client("hq_admin").get(f"{base}?tab={tab}"))
    assert "110***********002X" in hq and 'name="field" value="id_number"' in hq
