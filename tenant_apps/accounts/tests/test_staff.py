"""The staff page and API: invitations with a one-time activation link, appointments,
deactivation, the audit trail, refusals, and the list's query count."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from tenant_apps.accounts.models import User
from tenant_apps.notifications.models import OutboxMessage
from tests.harness import solved_slider

PASSWORD = "Secretariat-2026-passw0rd"


def invite(alpha, **fields):
    data = {"name": "秘书处王芳", "phone": "13912340001", "email": "", "roles": ["secretariat"]}
    data.update(fields)
    return alpha.client("hq_admin").post("/manage/staff/invite/", data)


def sent_link(alpha, address: str) -> str:
    with schema_context("alpha"):
        message = OutboxMessage.objects.filter(address=address, event="staff_invited").last()
    assert message is not None, f"nothing sent to {address}"
    found = re.search(r"http://alpha\.localhost(?::\d+)?(/reset/[^/\s]+/[^/\s]+/)",
                      message.body)
    assert found, message.body
    return found.group(1)


def activate(alpha, link: str, password: str = PASSWORD):
    browser = Client(HTTP_HOST=alpha.host)
    page = browser.get(link, follow=True)
    assert "设置密码" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    return browser.post(form_url, {"new_password1": password, "new_password2": password})


def log_in(alpha, identifier: str, password: str = PASSWORD) -> Client:
    browser = Client(HTTP_HOST=alpha.host)
    response = browser.post("/login/", {"username": identifier, "password": password,
                                        **solved_slider(browser)})
    assert response.status_code == 302, response.content.decode()
    return browser


@pytest.mark.django_db
def test_invite_link_password_then_login_with_the_given_role(alpha):
    response = invite(alpha)
    assert response.status_code == 302
    with schema_context("alpha"):
        person = User.objects.get(phone="13912340001")
        assert person.roles == ["secretariat"]
        assert not person.has_usable_password()  # never a preset password
        sms = OutboxMessage.objects.get(address="13912340001", event="staff_invited")
    assert sms.channel == "sms"
    assert sms.body.startswith("秘书处王芳，Alpha Society 已将您设为工作人员（秘书处）")
    assert "{" not in sms.body
    done = activate(alpha, sent_link(alpha, "13912340001"))
    assert done.status_code == 302 and done["Location"] == "/login/?activated=1"
    browser = log_in(alpha, "13912340001")
    queue = browser.get("/review/")
    assert queue.status_code == 200
    assert "待审核申请" in queue.content.decode()
    # A secretariat account is not an HQ administrator.
    assert browser.get("/manage/staff/").status_code == 403


@pytest.mark.django_db
def test_the_link_works_once(alpha):
    invite(alpha)
    link = sent_link(alpha, "13912340001")
    activate(alpha, link)
    again = Client(HTTP_HOST=alpha.host).get(link, follow=True)
    assert "该链接已过期或已被使用，请联系协会重新发送。" in again.content.decode()
    assert "new_password1" not in again.content.decode()


@pytest.mark.django_db
def test_the_link_expires(alpha):
    with override_settings(PASSWORD_RESET_TIMEOUT=1):
        invite(alpha)
        link = sent_link(alpha, "13912340001")
        time.sleep(2.1)
        late = Client(HTTP_HOST=alpha.host).get(link, follow=True)
    assert "该链接已过期或已被使用，请联系协会重新发送。" in late.content.decode()


@pytest.mark.django_db
def test_invitation_by_email(alpha, mailoutbox):
    invite(alpha, phone="", email="Finance.Li@Example.test", roles=["finance"],
           name="财务李明")
    with schema_context("alpha"):
        email = OutboxMessage.objects.get(address="finance.li@example.test")
    assert email.channel == "email"
    assert email.subject == "您在 Alpha Society 的工作人员账号"
    activate(alpha, sent_link(alpha, "finance.li@example.test"))
    assert log_in(alpha, "finance.li@example.test").get("/finance/vouchers/").status_code == 200


@pytest.mark.django_db
def test_deactivation_ends_sessions_and_blocks_login_until_reactivated(alpha):
    invite(alpha)
    activate(alpha, sent_link(alpha, "13912340001"))
    browser = log_in(alpha, "13912340001")
    assert browser.get("/review/").status_code == 200
    with schema_context("alpha"):
        person = User.objects.get(phone="13912340001")
    hq = alpha.client("hq_admin")
    assert hq.post(f"/manage/staff/{person.public_id}/deactivate/").status_code == 302
    ended = browser.get("/review/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")
    refused = Client(HTTP_HOST=alpha.host).post("/login/", {
        "username": "13912340001", "password": PASSWORD, **solved_slider(alpha.host)})
    assert refused.status_code == 200 and "账号或密码错误" in refused.content.decode()
    hq.post(f"/manage/staff/{person.public_id}/reactivate/")
    # The old session stays ended; a new login works.
    assert browser.get("/review/").status_code == 302
    assert log_in(alpha, "13912340001").get("/review/").status_code == 200


@pytest.mark.django_db
def test_every_change_is_audited(alpha):
    invite(alpha)
    with schema_context("alpha"):
        person = User.objects.get(phone="13912340001")
    hq = alpha.client("hq_admin")
    hq.post(f"/manage/staff/{person.public_id}/", {"roles": ["secretariat", "reviewer"]})
    hq.post(f"/manage/staff/{person.public_id}/deactivate/")
    hq.post(f"/manage/staff/{person.public_id}/reactivate/")
    with schema_context("alpha"):
        rows = list(AuditEntry.objects.filter(target_type="User", target_id=str(person.pk))
                    .order_by("id").values_list("action", "actor_label"))
        updated = AuditEntry.objects.get(action="staff.updated", target_id=str(person.pk))
    assert rows == [("account.created", "alpha hq_admin"), ("staff.invited", "alpha hq_admin"),
                    ("staff.updated", "alpha hq_admin"), ("staff.deactivated", "alpha hq_admin"),
                    ("staff.reactivated", "alpha hq_admin")]
    assert updated.data == {"before": {"roles": ["secretariat"], "branches": []},
                            "after": {"roles": ["reviewer", "secretariat"], "branches": []}}


@pytest.mark.django_db
def test_appointing_a_branch_administrator_on_the_page(alpha):
    response = invite(alpha, name="机器人分会管理员", phone="13912340002",
                      roles=["branch_admin"], branches=["robot"])
    assert response.status_code == 302
    page = alpha.client("hq_admin").get("/manage/staff/").content.decode()
    assert "机器人分会管理员" in page and "机器人分会" in page
    with schema_context("alpha"):
        person = User.objects.get(phone="13912340002")
        assert [b.code for b in person.administered_branches.all()] == ["robot"]


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "message"), [
    ({"phone": "", "email": ""}, "请填写手机号或电子邮箱：激活链接将发送到那里。"),
    ({"phone": "12345"}, "请输入有效的中国大陆手机号。"),
    ({"roles": ["branch_admin"]}, "请选择分会管理员负责的分会。"),
    ({"roles": ["reviewer"], "branches": ["robot"]}, "只有分会管理员才能被任命到分会。"),
    ({"roles": ["member"]}, "选择一个有效的选项"),
    ({"name": ""}, "此项为必填项。"),
])
def test_bad_invitations_are_refused_with_a_reason_and_change_nothing(alpha, fields, message):
    with schema_context("alpha"):
        before = User.objects.count()
    response = invite(alpha, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context("alpha"):
        assert User.objects.count() == before
        assert not OutboxMessage.objects.filter(event="staff_invited").exists()


@pytest.mark.django_db
def test_an_hq_administrator_cannot_lock_themselves_out(alpha):
    me = alpha.user("hq_admin")
    hq = alpha.client("hq_admin")
    hq.post(f"/manage/staff/{me.public_id}/deactivate/")
    response = hq.post(f"/manage/staff/{me.public_id}/", {"roles": ["reviewer"]})
    assert response.status_code == 400
    assert "不能移除自己的总会管理员角色" in response.content.decode()
    with schema_context("alpha"):
        me.refresh_from_db()
    assert me.is_active and me.roles == ["hq_admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "finance", "secretariat", "branch_admin",
                                  "member"])
def test_only_hq_administrators_reach_the_staff_page_and_api(alpha, role):
    target = alpha.user("finance")
    client = alpha.client(role)
    assert client.get("/manage/staff/").status_code == 403
    assert client.get(f"/manage/staff/{target.public_id}/").status_code == 403
    assert client.post(f"/manage/staff/{target.public_id}/deactivate/").status_code == 403
    assert client.get("/api/v1/staff/").status_code == 403
    assert client.post("/api/v1/staff/invite/", {"name": "x", "phone": "13912340009",
                                                 "roles": ["hq_admin"]},
                       content_type="application/json").status_code == 403
    with schema_context("alpha"):
        assert not User.objects.filter(phone="13912340009").exists()
        target.refresh_from_db()
    assert target.is_active


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(alpha):
    response = alpha.client().get("/manage/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_members_are_not_on_the_staff_page(alpha):
    member = alpha.user("member")
    assert alpha.client("hq_admin").get(f"/manage/staff/{member.public_id}/").status_code == 404


@pytest.mark.django_db
def test_staff_list_query_count_does_not_grow_with_the_staff(alpha,
                                                             django_assert_num_queries):
    from tenant_apps.accounts.services import staff_invite
    from tenant_apps.configuration.models import Branch

    hq = alpha.client("hq_admin")
    hq.get("/manage/staff/")  # warm: the session, the association
    with django_assert_num_queries(7):
        # (one of them: whether the association has branches, for the branch roles; one:
        # whether it offers the marketplace, for the staff bar's 供需审核)
        assert hq.get("/manage/staff/").status_code == 200
    with schema_context("alpha"):
        robot = Branch.objects.get(code="robot")
        for n in range(8):
            staff_invite(acting_user=alpha.user("hq_admin"), name=f"分会管理员{n}",
                         phone=f"139123410{n:02d}", roles=["branch_admin"], branches=[robot])
    with django_assert_num_queries(7):
        page = hq.get("/manage/staff/")
    assert page.content.decode().count("机器人分会") >= 8


@pytest.mark.django_db
def test_api_invite_list_update_deactivate(alpha):
    api = alpha.client("hq_admin")
    created = api.post("/api/v1/staff/invite/", {
        "name": "机械史分会管理员", "phone": "139 1234 0003", "roles": ["branch_admin"],
        "branches": ["mech_history"]}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == "13912340003"
    assert body["roles"] == ["branch_admin"]
    assert body["branches"] == [{"code": "mech_history", "name": "机械史分会"}]
    assert body["status"] == "invited"
    listed = api.get("/api/v1/staff/").json()
    assert "机械史分会管理员" in [row["name"] for row in listed]
    updated = api.put(f"/api/v1/staff/{body['id']}/roles/", {"roles": ["reviewer"]},
                      content_type="application/json").json()
    assert updated["roles"] == ["reviewer"] and updated["branches"] == []
    off = api.post(f"/api/v1/staff/{body['id']}/deactivate/").json()
    assert off["status"] == "deactivated"


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "x", "phone": "13912340004", "roles": ["operator"]}, "roles"),
    ({"name": "x", "phone": "13912340004", "roles": []}, "roles"),
    ({"name": "x", "phone": "13912340004", "roles": ["branch_admin"],
      "branches": ["no-such"]}, "branches"),
    ({"name": "x\x00", "phone": "13912340004", "roles": ["finance"]}, "name"),
    ({"name": "x", "roles": ["finance"]}, "phone"),
])
def test_api_bad_input_is_400_and_changes_nothing(alpha, payload, field):
    response = alpha.client("hq_admin").post("/api/v1/staff/invite/", payload,
                                             content_type="application/json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in (error.get("fields") or {}) or error.get("field") == field, error
    with schema_context("alpha"):
        assert not User.objects.filter(phone="13912340004").exists()


@pytest.mark.django_db
def test_no_branch_roles_where_there_is_no_branch(alpha):
    from tenants.services import association_create

    association_create(acting_user=None, name="jsgas", slug="jsgas", profile="jsgas",
                       admin_name="管理员", admin_email="admin@jsgas.test",
                       admin_password="Admin-passw0rd-2026")
    client = Client(HTTP_HOST="jsgas.localhost")
    with schema_context("jsgas"):
        client.force_login(User.objects.get(email="admin@jsgas.test"),
                           backend="tenant_apps.accounts.backends.IdentifierBackend")
    for url in ("/manage/staff/", "/manage/staff/invite/"):
        response = client.get(url)
        assert response.status_code == 200, response
        page = re.sub(r"<[^>]+>", " ", client.get(url).content.decode())
        assert "分会管理员" not in page and "负责的分会" not in page, url
        assert "审核员" in page
    # where there are branches (CMES) the role stays
    assert "分会管理员" in alpha.client("hq_admin").get("/manage/staff/").content.decode()
