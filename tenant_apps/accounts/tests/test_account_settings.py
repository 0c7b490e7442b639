"""账户设置 in the member centre, pages and API: change the mobile number, set a first password
(SMS sign-up), change the password by the current one or an e-mail code."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.sms import console
from tenant_apps.accounts.models import User, VerificationCode
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import AssociationSettings
from tenant_apps.notifications.models import OutboxMessage
from tests.harness import PASSWORD, solved_slider

OLD = "13612340001"
NEW = "13612340002"
BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def sms_code(phone: str) -> str:
    message = next(m for m in reversed(console.SENT) if m["phone"] == phone)
    return "".join(ch for ch in message["text"] if ch.isdigit())[:6]


def email_code(address: str) -> str:
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    return "".join(ch for ch in message.body if ch.isdigit())[:6]


def logged_in(site, user) -> Client:
    client = Client(HTTP_HOST=site.host)
    with schema_context(site.slug):
        client.force_login(user, backend=BACKEND)
    return client


def member_with_phone(site, phone=OLD) -> User:
    with schema_context(site.slug):
        user = User.objects.get(username=f"{site.slug}-member")
        user.phone = phone
        user.save(update_fields=["phone"])
        return user


def sms_only_member(site, phone=OLD) -> User:
    """An account as Jiangsu's sign-up makes it: a phone, no password."""
    with schema_context(site.slug):
        AssociationSettings.objects.update(login_modes=["phone_sms", "phone_password"],
                                           signup_verification="sms")
        return user_create(acting_user=None, name="测试燃气有限公司", phone=phone)


def fresh(site, user) -> User:
    with schema_context(site.slug):
        return User.objects.get(pk=user.pk)


def page(response) -> str:
    return response.content.decode()


def password_login(site, identifier, password) -> int:
    response = Client(HTTP_HOST=site.host).post("/login/", {
        "username": identifier, "password": password, **solved_slider(site.host)})
    return response.status_code


# --- the page and the menu -------------------------------------------------------------------

@pytest.mark.django_db
def test_account_settings_is_in_the_member_centre_menu(alpha):
    member_with_phone(alpha)
    client = alpha.client("member")
    home = page(client.get("/member/"))
    assert 'href="/member/account/"' in home and "账户设置" in home
    response = client.get("/member/account/")
    assert response.status_code == 200
    text = page(response)
    assert "136****0001" in text and OLD not in text
    assert "已设置，可通过账户密码登录" in text
    assert "修改手机号" in text and "修改密码" in text


@pytest.mark.django_db
def test_account_settings_needs_a_login(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/member/account/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- change the mobile number ----------------------------------------------------------------

@pytest.mark.django_db
def test_phone_change_by_a_code_sent_to_the_new_number(alpha):
    user = member_with_phone(alpha)
    client = logged_in(alpha, user)
    other_session = logged_in(alpha, user)
    sent = client.post("/member/account/code/", {"purpose": "phone", "phone": NEW})
    assert sent.status_code == 200 and sent.json()["sent"] is True
    assert console.SENT[-1]["phone"] == NEW
    response = client.post("/member/account/phone/", {"phone": NEW, "code": sms_code(NEW)})
    assert response.status_code == 302 and response["Location"] == "/member/account/"
    assert fresh(alpha, user).phone == NEW
    # this session goes on, the other one ended
    assert "手机号已修改" in page(client.get("/member/account/"))
    assert other_session.get("/member/").status_code == 302
    with schema_context("alpha"):
        entry = AuditEntry.objects.get(action="account.phone_changed", target_id=str(user.pk))
        assert entry.data == {"from": OLD, "to": NEW}
        notices = {m.channel: m for m in OutboxMessage.objects.filter(event="phone_changed")}
    assert notices["sms"].address == OLD
    assert "136****0002" in notices["sms"].body and "如非本人操作" in notices["sms"].body
    assert notices["inbox"].recipient_id == user.pk
    assert notices["email"].address == "member@alpha.test"


@pytest.mark.django_db
def test_an_account_named_by_its_phone_is_named_by_the_new_one(alpha):
    with schema_context("alpha"):
        user = user_create(acting_user=None, name="张三", phone=OLD, password="Zhang-2026-x")
    assert user.username == OLD
    client = logged_in(alpha, user)
    client.post("/member/account/code/", {"purpose": "phone", "phone": NEW})
    assert client.post("/member/account/phone/", {"phone": NEW, "code": sms_code(NEW)}) \
        .status_code == 302
    assert fresh(alpha, user).username == NEW
    assert password_login(alpha, OLD, "Zhang-2026-x") == 200  # the old number logs in no more
    assert password_login(alpha, NEW, "Zhang-2026-x") == 302


@pytest.mark.django_db
def test_a_number_of_another_account_is_refused_only_after_its_code(alpha):
    user = member_with_phone(alpha)
    with schema_context("alpha"):
        User.objects.filter(username="alpha-other").update(phone=NEW)
    client = logged_in(alpha, user)
    # sending says nothing about the number
    assert client.post("/member/account/code/", {"purpose": "phone", "phone": NEW}) \
        .status_code == 200
    response = client.post("/member/account/phone/", {"phone": NEW, "code": sms_code(NEW)})
    assert response.status_code == 409
    assert "该手机号已在本协会注册了账号" in page(response)
    assert fresh(alpha, user).phone == OLD
    with schema_context("alpha"):
        assert not AuditEntry.objects.filter(action="account.phone_changed").exists()
        assert not OutboxMessage.objects.filter(event="phone_changed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("form", "message"), [
    ({"phone": "12345", "code": "123456"}, "请输入有效的中国大陆手机号。"),
    ({"phone": NEW, "code": "000000"}, "验证码不正确。"),
    ({"phone": OLD, "code": "123456"}, "这已是您当前的手机号。"),
    ({"phone": NEW, "code": ""}, "此项为必填项。"),
])
def test_bad_phone_changes_are_refused_and_change_nothing(alpha, form, message):
    user = member_with_phone(alpha)
    client = logged_in(alpha, user)
    client.post("/member/account/code/", {"purpose": "phone", "phone": NEW})
    if sms_code(NEW) == form["code"]:
        form = {**form, "code": "111111"}
    response = client.post("/member/account/phone/", form)
    assert response.status_code == 400
    assert message in page(response)
    assert fresh(alpha, user).phone == OLD


@pytest.mark.django_db
def test_wrong_codes_stay_counted_and_the_code_dies(alpha):
    user = member_with_phone(alpha)
    client = logged_in(alpha, user)
    client.post("/member/account/code/", {"purpose": "phone", "phone": NEW})
    right = sms_code(NEW)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        assert client.post("/member/account/phone/", {"phone": NEW, "code": wrong}) \
            .status_code in (400, 429)
    with schema_context("alpha"):
        assert VerificationCode.objects.get(phone=NEW, purpose="phone").attempts == 5
    response = client.post("/member/account/phone/", {"phone": NEW, "code": right})
    assert response.status_code == 429 and "验证码错误次数过多" in page(response)
    assert fresh(alpha, user).phone == OLD


@pytest.mark.django_db
def test_a_code_changes_the_phone_once(alpha):
    user = member_with_phone(alpha)
    client = logged_in(alpha, user)
    client.post("/member/account/code/", {"purpose": "phone", "phone": NEW})
    code = sms_code(NEW)
    assert client.post("/member/account/phone/", {"phone": NEW, "code": code}) \
        .status_code == 302
    with schema_context("alpha"):
        User.objects.filter(pk=user.pk).update(phone=OLD)
    again = client.post("/member/account/phone/", {"phone": NEW, "code": code})
    assert again.status_code == 400 and "验证码已过期或未获取" in page(again)
    assert fresh(alpha, user).phone == OLD


@pytest.mark.django_db
def test_codes_of_a_purpose_do_not_serve_another(alpha):
    """A sign-up code for the new number does not change the phone."""
    user = member_with_phone(alpha)
    client = logged_in(alpha, user)
    client.post("/accounts/code/", {"phone": NEW, "purpose": "reset"})
    response = client.post("/member/account/phone/", {"phone": NEW, "code": sms_code(NEW)})
    assert response.status_code == 400
    assert fresh(alpha, user).phone == OLD


# --- set a first password (SMS-only accounts) ------------------------------------------------

@pytest.mark.django_db
def test_an_sms_only_account_sets_a_password_with_a_fresh_code(alpha):
    user = sms_only_member(alpha)
    client = logged_in(alpha, user)
    other_session = logged_in(alpha, user)
    overview = page(client.get("/member/account/"))
    assert "未设置" in overview and "/member/account/password/set/" in overview
    assert "请先设置密码" in page(client.get("/member/"))
    form = client.get("/member/account/password/set/")
    assert "136****0001" in page(form)
    assert client.post("/member/account/code/", {"purpose": "verify", "phone": NEW}) \
        .status_code == 200
    assert console.SENT[-1]["phone"] == OLD  # its own phone, whatever is posted
    response = client.post("/member/account/password/set/", {
        "code": sms_code(OLD), "password1": "Gas-2026-pass", "password2": "Gas-2026-pass"})
    assert response.status_code == 302
    assert fresh(alpha, user).check_password("Gas-2026-pass")
    assert "密码已设置" in page(client.get("/member/account/"))
    assert other_session.get("/member/").status_code == 302
    assert password_login(alpha, OLD, "Gas-2026-pass") == 302
    with schema_context("alpha"):
        assert AuditEntry.objects.filter(action="account.password_set",
                                         target_id=str(user.pk)).exists()
    # with a password, the page is the change page
    assert client.get("/member/account/password/set/")["Location"] == "/member/account/password/"


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "message"), [
    ("12345678901", "密码不能全部为数字。"),
    ("a13612340001", "密码不能包含手机号。"),
    ("abc1", "至少 8 个字符。"),
    ("abcdefghij", "至少包含一个数字。"),
    ("password1", "这个密码太常见了。"),
])
def test_a_first_password_breaking_the_rule_is_refused_and_the_code_kept(alpha, password,
                                                                        message):
    user = sms_only_member(alpha)
    client = logged_in(alpha, user)
    client.post("/member/account/code/", {"purpose": "verify"})
    code = sms_code(OLD)
    response = client.post("/member/account/password/set/", {
        "code": code, "password1": password, "password2": password})
    assert response.status_code == 400
    assert message in page(response)
    assert not fresh(alpha, user).has_usable_password()
    # the refusal did not use the code up
    assert client.post("/member/account/password/set/", {
        "code": code, "password1": "Gas-2026-pass", "password2": "Gas-2026-pass"}) \
        .status_code == 302


@pytest.mark.django_db
def test_a_first_password_needs_the_right_code(alpha):
    user = sms_only_member(alpha)
    client = logged_in(alpha, user)
    client.post("/member/account/code/", {"purpose": "verify"})
    wrong = "000000" if sms_code(OLD) != "000000" else "111111"
    response = client.post("/member/account/password/set/", {
        "code": wrong, "password1": "Gas-2026-pass", "password2": "Gas-2026-pass"})
    assert response.status_code == 400 and "验证码不正确。" in page(response)
    assert not fresh(alpha, user).has_usable_password()


# --- change the password ---------------------------------------------------------------------

@pytest.mark.django_db
def test_password_change_by_the_current_password(alpha):
    user = alpha.user("member")
    client = logged_in(alpha, user)
    other_session = logged_in(alpha, user)
    response = client.post("/member/account/password/", {
        "old_password": PASSWORD, "password1": "Newer-2026-pass",
        "password2": "Newer-2026-pass"})
    assert response.status_code == 302
    assert client.get("/member/account/").status_code == 200
    assert other_session.get("/member/").status_code == 302
    assert password_login(alpha, "alpha-member", "Newer-2026-pass") == 302
    with schema_context("alpha"):
        assert AuditEntry.objects.get(action="account.password_changed",
                                      target_id=str(user.pk)).data == {"by": "old_password"}


@pytest.mark.django_db
def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login(alpha,
                                                                                settings):
    settings.LOGIN_LOCK_AFTER_FAILURES = 3
    user = alpha.user("member")
    client = logged_in(alpha, user)
    form = {"old_password": "not-it-2026", "password1": "Newer-2026-pass",
            "password2": "Newer-2026-pass"}
    for _ in range(3):
        response = client.post("/member/account/password/", form)
        assert response.status_code == 400 and "原密码不正确。" in page(response)
    # paused now, even with the right password, here and at the login page
    response = client.post("/member/account/password/", {**form, "old_password": PASSWORD})
    assert response.status_code == 429 and "失败次数过多" in page(response)
    assert fresh(alpha, user).check_password(PASSWORD)
    assert password_login(alpha, "member@alpha.test", PASSWORD) == 429


@pytest.mark.django_db
def test_password_change_by_an_email_code(alpha):
    user = alpha.user("member")
    client = logged_in(alpha, user)
    tab = page(client.get("/member/account/password/?by=email"))
    assert "member@alpha.test" in tab and 'data-send-code="password"' in tab
    assert client.post("/member/account/code/", {"purpose": "password"}).status_code == 200
    code = email_code("member@alpha.test")
    wrong = "000000" if code != "000000" else "111111"
    form = {"code": wrong, "password1": "Mailed-2026-pass", "password2": "Mailed-2026-pass"}
    refused = client.post("/member/account/password/?by=email", form)
    assert refused.status_code == 400 and "验证码不正确。" in page(refused)
    assert fresh(alpha, user).check_password(PASSWORD)
    response = client.post("/member/account/password/?by=email", {**form, "code": code})
    assert response.status_code == 302
    assert fresh(alpha, user).check_password("Mailed-2026-pass")


@pytest.mark.django_db
def test_no_email_code_without_an_email(alpha):
    user = member_with_phone(alpha)
    with schema_context("alpha"):
        User.objects.filter(pk=user.pk).update(email=None)
    client = logged_in(alpha, user)
    assert 'name="old_password"' in page(client.get("/member/account/password/?by=email"))
    response = client.post("/member/account/code/", {"purpose": "password"})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "您的账号没有填写邮箱。"


# --- the API ---------------------------------------------------------------------------------

def api_client(site, user) -> Client:
    client = Client(HTTP_HOST=site.host, enforce_csrf_checks=True)
    with schema_context(site.slug):
        client.force_login(user, backend=BACKEND)
    token = client.get("/api/v1/accounts/csrf/").json()["csrf_token"]
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


@pytest.mark.django_db
def test_api_posts_need_the_csrf_token(alpha):
    user = member_with_phone(alpha)
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    with schema_context("alpha"):
        client.force_login(user, backend=BACKEND)
    before = len([m for m in console.SENT if m["phone"] == NEW])
    response = client.post("/api/v1/account/code/", {"purpose": "phone", "phone": NEW},
                           content_type="application/json")
    assert response.status_code == 403
    assert len([m for m in console.SENT if m["phone"] == NEW]) == before


@pytest.mark.django_db
def test_api_phone_change(alpha):
    user = member_with_phone(alpha)
    client = api_client(alpha, user)
    assert client.get("/api/v1/account/").json() == {
        "phone": OLD, "email": "member@alpha.test", "has_password": True}
    sent = client.post("/api/v1/account/code/", {"purpose": "phone", "phone": NEW},
                       content_type="application/json")
    assert sent.status_code == 201
    bad = client.post("/api/v1/account/phone/", {"phone": "12345", "code": sms_code(NEW)},
                      content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "请输入有效的中国大陆手机号。"
    assert fresh(alpha, user).phone == OLD
    response = client.post("/api/v1/account/phone/", {"phone": NEW, "code": sms_code(NEW)},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["phone"] == NEW
    assert client.get("/api/v1/account/").status_code == 200  # the caller's session goes on


@pytest.mark.django_db
def test_api_sets_a_first_password(alpha):
    user = sms_only_member(alpha)
    client = api_client(alpha, user)
    assert client.get("/api/v1/account/").json()["has_password"] is False
    client.post("/api/v1/account/code/", {"purpose": "verify"},
                content_type="application/json")
    code = sms_code(OLD)
    weak = client.post("/api/v1/account/password/set/", {"code": code, "password": "88888888"},
                       content_type="application/json")
    assert weak.status_code == 400
    assert weak.json()["error"]["code"] == "weak_password"
    assert "密码不能全部为数字。" in weak.json()["error"]["message"]
    assert not fresh(alpha, user).has_usable_password()
    ok = client.post("/api/v1/account/password/set/", {"code": code,
                                                       "password": "Gas-2026-pass"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["has_password"] is True
    again = client.post("/api/v1/account/password/set/", {"code": code,
                                                          "password": "Gas-2027-pass"},
                        content_type="application/json")
    assert again.status_code == 409
    assert fresh(alpha, user).check_password("Gas-2026-pass")


@pytest.mark.django_db
def test_api_changes_the_password_by_old_password_or_email_code(alpha):
    user = alpha.user("member")
    client = api_client(alpha, user)
    both = client.post("/api/v1/account/password/", {
        "password": "Newer-2026-pass", "old_password": PASSWORD, "code": "123456"},
        content_type="application/json")
    assert both.status_code == 400
    assert "请填写原密码或邮箱验证码" in str(both.json())
    wrong = client.post("/api/v1/account/password/", {
        "password": "Newer-2026-pass", "old_password": "not-it-2026"},
        content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["error"]["message"] == "原密码不正确。"
    assert fresh(alpha, user).check_password(PASSWORD)
    ok = client.post("/api/v1/account/password/", {
        "password": "Newer-2026-pass", "old_password": PASSWORD},
        content_type="application/json")
    assert ok.status_code == 200
    client.post("/api/v1/account/code/", {"purpose": "password"},
                content_type="application/json")
    ok = client.post("/api/v1/account/password/", {
        "password": "Mailed-2026-pass", "code": email_code("member@alpha.test")},
        content_type="application/json")
    assert ok.status_code == 200
    assert fresh(alpha, user).check_password("Mailed-2026-pass")



@pytest.mark.django_db
def test_the_password_pages_say_nin_not_ni(alpha):
    """Django's own catalogue words its password messages with 你; the site says 您."""
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Your password can’t be entirely numeric.") \
            == "您的密码不能全是数字。"
        assert translation.gettext("Your password can’t be a commonly used password.") \
            == "您的密码不能是常见密码。"
        assert translation.gettext(
            "Your old password was entered incorrectly. Please enter it again.") \
            == "您的原密码不正确，请重新输入。"
        assert translation.ngettext(
            "Your password must contain at least %(min_length)d character.",
            "Your password must contain at least %(min_length)d characters.", 8) \
            % {"min_length": 8} == "您的密码必须包含至少 8 个字符。"
    user = sms_only_member(alpha)
    client = logged_in(alpha, user)
    text = page(client.get("/member/account/password/set/"))
    refused = page(client.post("/member/account/password/set/", {
        "code": "000000", "password1": "12345678", "password2": "12345678"}))
    assert "你" not in text and "你" not in refused
