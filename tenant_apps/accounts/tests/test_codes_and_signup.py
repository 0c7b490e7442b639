"""SMS codes with their limits, sign-up per association, SMS login, resets, login limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from huiji.sms import console
from tenant_apps.accounts.codes import code_check, code_send, code_use
from tenant_apps.accounts.models import User, VerificationCode
from tenant_apps.configuration.models import AssociationSettings
from tests.harness import solved_slider

PHONE = "13612345678"


def last_code(phone: str = PHONE) -> str:
    message = next(m for m in reversed(console.SENT) if m["phone"] == phone)
    return "".join(ch for ch in message["text"] if ch.isdigit())[:6]


@pytest.mark.django_db
def test_code_is_six_digits_hashed_and_single_use(alpha):
    with schema_context("alpha"):
        record = code_send(phone=PHONE, purpose="signup", ip="10.0.0.1")
        code = last_code()
        assert len(code) == 6 and code.isdigit()
        assert code not in record.code_hash
        with pytest.raises(AppError) as info:
            code_check(phone=PHONE, purpose="signup", code="000000" if code != "000000"
                       else "111111")
        assert info.value.code == "code_wrong"
        code_use(code_check(phone=PHONE, purpose="signup", code=code))
        with pytest.raises(AppError) as info:
            code_check(phone=PHONE, purpose="signup", code=code)
        assert info.value.code == "code_expired"


@pytest.mark.django_db
def test_code_limits(alpha, settings):
    settings.SMS_CODES_PER_PHONE_PER_DAY = 3
    settings.SMS_CODES_PER_IP_PER_DAY = 4
    with schema_context("alpha"):
        code_send(phone=PHONE, purpose="signup", ip="10.0.0.1")
        with pytest.raises(AppError) as info:
            code_send(phone=PHONE, purpose="signup", ip="10.0.0.1")
        assert (info.value.code, info.value.status) == ("code_too_soon", 429)
        assert "60" in str(info.value.message) or "秒" in str(info.value.message)
        # pretend the minute passed, twice: the daily cap per phone is reached at 3
        for _ in range(2):
            VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
            code_send(phone=PHONE, purpose="signup", ip="10.0.0.1")
        VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
        with pytest.raises(AppError) as info:
            code_send(phone=PHONE, purpose="signup", ip="10.0.0.1")
        assert info.value.code == "code_daily_limit_phone"
        # another phone from the same address: the address cap (4) stops the next one
        code_send(phone="13612345679", purpose="signup", ip="10.0.0.1")
        VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
        with pytest.raises(AppError) as info:
            code_send(phone="13612345670", purpose="signup", ip="10.0.0.1")
        assert info.value.code == "code_daily_limit_ip"


@pytest.mark.django_db
def test_expired_code_is_refused(alpha):
    with schema_context("alpha"):
        code_send(phone=PHONE, purpose="reset", ip=None)
        VerificationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        with pytest.raises(AppError) as info:
            code_check(phone=PHONE, purpose="reset", code=last_code())
        assert info.value.code == "code_expired"


@pytest.mark.django_db
def test_send_code_endpoint_says_why_it_refuses(alpha):
    client = Client(HTTP_HOST=alpha.host)
    assert client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"}).json() == {
        "sent": True, "resend_after": 60}
    again = client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"})
    assert again.status_code == 429
    assert again.json()["error"]["code"] == "code_too_soon"
    bad = client.post("/accounts/code/", {"phone": "123", "purpose": "signup"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_signup_with_sms_code_and_slider(alpha):
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"})
    form = {"name": "李四", "phone": PHONE, "email": "lisi@example.test",
            "password1": "Lisi-2026-pass", "password2": "Lisi-2026-pass", "code": last_code()}
    refused = client.post("/signup/", form)  # no slider
    assert refused.status_code == 400
    with schema_context("alpha"):
        assert not User.objects.filter(phone=PHONE).exists()
    response = client.post("/signup/", {**form, **solved_slider(client)})
    assert response.status_code == 302 and response["Location"] == "/apply/"
    with schema_context("alpha"):
        assert User.objects.get(phone=PHONE).name == "李四"


@pytest.mark.django_db
def test_signup_password_rule_is_the_associations(alpha):
    with schema_context("alpha"):
        AssociationSettings.objects.update(password_min_length=10)
    client = Client(HTTP_HOST=alpha.host)
    response = client.post("/signup/", {"name": "王", "phone": PHONE, "email": "w@e.test",
                                        "password1": "abc12345", "password2": "abc12345",
                                        "code": "123456", **solved_slider(client)})
    assert response.status_code == 400
    assert "10" in response.content.decode()


@pytest.mark.django_db
def test_sms_login_logs_an_existing_account_in(alpha):
    with schema_context("alpha"):
        AssociationSettings.objects.update(login_modes=["phone_sms", "phone_password"])
        user = alpha.user("member")
        user.phone = PHONE
        user.save()
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"})
    response = client.post("/login/sms/", {"phone": PHONE, "code": last_code()})
    assert response.status_code == 302 and response["Location"] == "/member/"
    assert client.get("/api/v1/me/").json()["username"] == "alpha-member"


@pytest.mark.django_db
def test_password_reset_by_sms(alpha):
    with schema_context("alpha"):
        user = alpha.user("member")
        user.phone = PHONE
        user.save()
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "reset"})
    response = client.post("/password/reset/sms/", {
        "phone": PHONE, "code": last_code(), "password1": "Brand-new-2026",
        "password2": "Brand-new-2026"})
    assert response.status_code == 302
    assert client.post("/login/", {"username": PHONE, "password": "Brand-new-2026",
                                   **solved_slider(client)}) \
        .status_code == 302


@pytest.mark.django_db
def test_password_reset_by_email_sends_a_link(alpha, mailoutbox):
    client = Client(HTTP_HOST=alpha.host)
    response = client.post("/password/reset/", {"email": "member@alpha.test"})
    assert response.status_code == 302
    assert "http://alpha.localhost/reset/" in mailoutbox[0].body


@pytest.mark.django_db
def test_password_change_needs_the_old_one(alpha):
    client = alpha.client("member")
    wrong = client.post("/password/change/", {"old_password": "nope",
                                              "new_password1": "Another-2026-pass",
                                              "new_password2": "Another-2026-pass"})
    assert wrong.status_code == 200 and 'has-error' in wrong.content.decode()
    ok = client.post("/password/change/", {"old_password": "Test-passw0rd-2026",
                                           "new_password1": "Another-2026-pass",
                                           "new_password2": "Another-2026-pass"})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_failed_logins_bring_the_slider_then_a_pause(beta, settings):
    settings.LOGIN_HUMAN_CHECK_AFTER_FAILURES = 2
    settings.LOGIN_LOCK_AFTER_FAILURES = 4
    client = Client(HTTP_HOST=beta.host, REMOTE_ADDR="10.9.9.9")
    for _ in range(2):
        client.post("/login/", {"username": "beta-member", "password": "wrong"})
    page = client.get("/login/")
    # the slider shows for the next attempt on this account
    blocked = client.post("/login/", {"username": "beta-member",
                                      "password": "Test-passw0rd-2026"})
    assert blocked.status_code == 200 and "hc-track" in blocked.content.decode()
    ok = client.post("/login/", {"username": "beta-member", "password": "Test-passw0rd-2026",
                                 **solved_slider(client)})
    assert ok.status_code == 302
    assert page.status_code == 200
    other = Client(HTTP_HOST=beta.host, REMOTE_ADDR="10.9.9.10")
    for _ in range(4):
        other.post("/login/", {"username": "beta-finance", "password": "wrong",
                                **solved_slider(other)})
    locked = other.post("/login/", {"username": "beta-finance",
                                    "password": "Test-passw0rd-2026", **solved_slider(other)})
    assert locked.status_code == 429


@pytest.mark.django_db
def test_signup_through_the_api(alpha):
    client = Client(HTTP_HOST=alpha.host)
    sent = client.post("/api/v1/accounts/code/", {"phone": PHONE, "purpose": "signup"},
                       content_type="application/json")
    assert sent.status_code == 201
    again = client.post("/api/v1/accounts/code/", {"phone": PHONE, "purpose": "signup"},
                        content_type="application/json")
    assert again.status_code == 429 and again.json()["error"]["code"] == "code_too_soon"
    body = {"name": "赵六", "phone": PHONE, "email": "zhao@example.test",
            "password": "Zhao-2026-pass", "code": last_code(), **solved_slider(client)}
    created = client.post("/api/v1/accounts/signup/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert client.get("/api/v1/me/").json()["name"] == "赵六"
