"""One password rule (accounts/passwords.py) wherever a password is chosen: sign-up (page and
API), the staff activation link, SMS reset, 账户设置 (test_account_settings.py), services."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from huiji.errors import AppError
from huiji.sms import console
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import account_activate, account_activation_path, user_create
from tenant_apps.configuration.models import AssociationSettings
from tests.harness import solved_slider

PHONE = "13612349999"


def sms_code(phone: str = PHONE) -> str:
    message = next(m for m in reversed(console.SENT) if m["phone"] == phone)
    return "".join(ch for ch in message["text"] if ch.isdigit())[:6]


def test_django_validates_passwords_with_the_one_rule_only():
    assert [v["NAME"] for v in settings.AUTH_PASSWORD_VALIDATORS] == [
        "tenant_apps.accounts.passwords.PasswordRuleValidator"]


@pytest.mark.django_db
def test_the_associations_shorter_minimum_is_honoured_everywhere(alpha):
    """CAQ asks for 6 characters ("请输入最少6位数字+字母密码"); Django's own 8-character
    validator used to refuse such passwords in services and on the reset link."""
    with schema_context("alpha"):
        AssociationSettings.objects.update(password_min_length=6)
        user = user_create(acting_user=None, name="质量", phone=PHONE, password="qa2o26")
        assert user.check_password("qa2o26")
        validate_password("zl8q1x", user)
        with pytest.raises(ValidationError) as info:
            validate_password("zl8q1", user)
    assert "至少 6 个字符。" in info.value.messages


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "message"), [
    ("20261231", "密码不能全部为数字。"),
    (f"x{PHONE}", "密码不能包含手机号。"),
    ("王小明", "至少 8 个字符。"),
])
def test_signup_page_applies_the_rule(alpha, password, message):
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"})
    response = client.post("/signup/", {"name": "王小明", "phone": PHONE, "email": "w@e.test",
                                        "password1": password, "password2": password,
                                        "code": sms_code(), **solved_slider(client)})
    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context("alpha"):
        assert not User.objects.filter(phone=PHONE).exists()


@pytest.mark.django_db
def test_signup_api_applies_the_rule(alpha):
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"})
    response = client.post("/api/v1/accounts/signup/", {
        "name": "王小明", "phone": PHONE, "email": "w@e.test", "password": "1234567890",
        "code": sms_code(), **solved_slider(client)}, content_type="application/json")
    assert response.status_code == 400
    assert "密码不能全部为数字。" in response.json()["error"]["fields"]["password1"]
    with schema_context("alpha"):
        assert not User.objects.filter(phone=PHONE).exists()


@pytest.mark.django_db
def test_the_activation_link_applies_the_rule(alpha):
    with schema_context("alpha"):
        person = user_create(acting_user=None, name="王芳", phone=PHONE, roles=["reviewer"])
        link = account_activation_path(person)
    browser = Client(HTTP_HOST=alpha.host)
    form_url = browser.get(link, follow=True).redirect_chain[-1][0]
    weak = f"Wf{PHONE}"
    response = browser.post(form_url, {"new_password1": weak, "new_password2": weak})
    assert response.status_code == 200
    assert "密码不能包含手机号。" in response.content.decode()
    with schema_context("alpha"):
        assert not User.objects.get(pk=person.pk).has_usable_password()
        token = link.rstrip("/").split("/")[-1]
        with pytest.raises(AppError) as info:
            account_activate(user=person, token=token, password="13800001111")
        assert info.value.code == "weak_password"
        assert "密码不能全部为数字。" in str(info.value.message)
        assert not User.objects.get(pk=person.pk).has_usable_password()


@pytest.mark.django_db
def test_sms_reset_applies_the_rule(alpha):
    with schema_context("alpha"):
        user = user_create(acting_user=None, name="李四", phone=PHONE, password="Li-si-2026x")
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "reset"})
    response = client.post("/password/reset/sms/", {
        "phone": PHONE, "code": sms_code(), "password1": f"a{PHONE}",
        "password2": f"a{PHONE}"})
    assert response.status_code == 400
    assert "密码不能包含手机号。" in response.content.decode()
    with schema_context("alpha"):
        assert User.objects.get(pk=user.pk).check_password("Li-si-2026x")


@pytest.mark.django_db
def test_where_sms_login_is_offered_sign_up_asks_no_password(alpha):
    """Jiangsu: 请输入手机号码进行会员注册; the password is set later in 账户设置."""
    with schema_context("alpha"):
        AssociationSettings.objects.update(login_modes=["phone_sms", "phone_password"],
                                           signup_verification="sms")
    client = Client(HTTP_HOST=alpha.host)
    form = client.get("/signup/").content.decode()
    assert 'name="password1"' not in form
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"})
    response = client.post("/signup/", {"name": "测试燃气有限公司", "phone": PHONE,
                                        "code": sms_code(), **solved_slider(client)})
    assert response.status_code == 302
    with schema_context("alpha"):
        assert not User.objects.get(phone=PHONE).has_usable_password()
