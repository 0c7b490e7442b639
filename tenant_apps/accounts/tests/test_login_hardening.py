"""The login holes of issue 8: SMS codes guessed without limit, locks per spelling, SMS login
where it is not offered, client-chosen addresses, counters never cleared, weak passwords on
SMS reset, cross-site posts to the anonymous API.

alpha has the CMES profile (password login only, sign-up verified by SMS, the slider always);
beta has no profile, so the defaults (phone or email with a password, sign-up verified by SMS,
the slider after failures) until a test saves its own account settings."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji.sms import console
from tenant_apps.accounts.models import User, VerificationCode
from tenant_apps.accounts.services import user_create
from tenant_apps.configuration.models import AssociationSettings
from tests.harness import PASSWORD, solved_slider

PHONE = "13900040290"
SPELLINGS = ["13900040290", "+8613900040290", "139-0004-0290", "139 00040290",
             "+86 139 0004 0290", "１３９０００４０２９０"]
LOCKED = "失败次数过多，请 15 分钟后再试。"
SMS_LOGIN_OFF = "本会不提供短信验证码登录，请使用密码登录。"
SLIDER = "hc-track"


def last_code(phone: str) -> str:
    message = next(m for m in reversed(console.SENT) if m["phone"] == phone)
    return "".join(ch for ch in message["text"] if ch.isdigit())[:6]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def account_settings(slug: str, **fields) -> None:
    with schema_context(slug):
        AssociationSettings.objects.update_or_create(singleton=True, defaults=fields)


def sms_login_on(slug: str) -> None:
    account_settings(slug, login_modes=["phone_sms", "phone_password"])


def with_phone(site, role: str, phone: str = PHONE) -> User:
    with schema_context(site.slug):
        user = site.user(role)
        user.phone = phone
        user.save()
        return user


def login(client: Client, identifier: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": identifier, "password": password, **extra})


# --- 3. an SMS code allows five tries in all -------------------------------------------------


@pytest.mark.django_db
def test_forty_wrong_codes_then_the_right_one_is_refused(beta):
    sms_login_on("beta")
    with_phone(beta, "member")
    client = Client(HTTP_HOST=beta.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"})
    code = last_code(PHONE)
    for attempt in range(40):
        response = client.post("/login/sms/", {"phone": PHONE, "code": wrong(code)})
        assert response.status_code in (400, 429), attempt
    right = client.post("/login/sms/", {"phone": PHONE, "code": code})
    assert right.status_code == 429
    assert "验证码错误次数过多，请重新获取。" in right.content.decode()
    assert client.get("/api/v1/me/").status_code == 403  # not logged in
    with schema_context("beta"):
        record = VerificationCode.objects.get(phone=PHONE)
        assert (record.attempts, record.used_at) == (5, None)


@pytest.mark.django_db
def test_the_fifth_wrong_code_says_a_new_one_is_needed_and_four_leave_one_try(beta):
    sms_login_on("beta")
    with_phone(beta, "member")
    client = Client(HTTP_HOST=beta.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"})
    code = last_code(PHONE)
    for _ in range(4):
        page = client.post("/login/sms/", {"phone": PHONE, "code": wrong(code)})
        assert page.status_code == 400 and "验证码不正确。" in page.content.decode()
    assert client.post("/login/sms/", {"phone": PHONE, "code": code}).status_code == 302


@pytest.mark.django_db
def test_wrong_codes_on_sign_up_count_too(alpha):
    client = Client(HTTP_HOST=alpha.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "signup"})
    code = last_code(PHONE)
    form = {"name": "钱七", "phone": PHONE, "email": "qian@example.test",
            "password1": "Qian-2026-pass", "password2": "Qian-2026-pass"}
    for _ in range(5):
        client.post("/signup/", {**form, "code": wrong(code), **solved_slider(client)})
    refused = client.post("/signup/", {**form, "code": code, **solved_slider(client)})
    assert refused.status_code == 400
    assert "验证码错误次数过多，请重新获取。" in refused.content.decode()
    with schema_context("alpha"):
        assert not User.objects.filter(phone=PHONE).exists()


# --- 4. one lock for every spelling of a phone, and for the account ---------------------------


@pytest.mark.django_db
def test_the_phone_spellings_share_one_lock(beta):
    with schema_context("beta"):
        user_create(acting_user=None, name="孙八", phone=PHONE, email="sun@example.test",
                    password=PASSWORD)
    # Ten failures spread over the spellings, from many addresses (so that no address
    # counter is what locks).
    for n in range(10):
        attacker = Client(HTTP_HOST=beta.host, REMOTE_ADDR=f"10.20.0.{n + 1}")
        login(attacker, SPELLINGS[n % len(SPELLINGS)], "wrong", **solved_slider(attacker))
    for identifier in [*SPELLINGS, "sun@example.test", "SUN@example.test"]:
        owner = Client(HTTP_HOST=beta.host, REMOTE_ADDR="10.30.0.1")
        response = login(owner, identifier, **solved_slider(owner))
        assert response.status_code == 429, identifier
        assert LOCKED in response.content.decode()


@pytest.mark.django_db
def test_failures_on_the_email_bring_the_slider_for_the_phone(beta, settings):
    settings.LOGIN_HUMAN_CHECK_AFTER_FAILURES = 3
    with schema_context("beta"):
        user_create(acting_user=None, name="孙八", phone=PHONE, email="sun@example.test",
                    password=PASSWORD)
    for n in range(3):
        login(Client(HTTP_HOST=beta.host, REMOTE_ADDR=f"10.21.0.{n + 1}"), "sun@example.test",
              "wrong")
    page = login(Client(HTTP_HOST=beta.host, REMOTE_ADDR="10.31.0.1"), "139 0004 0290")
    assert page.status_code == 200 and SLIDER in page.content.decode()


# --- 5. SMS login and codes only where the association offers them -----------------------------


@pytest.mark.django_db
def test_cmes_offers_no_sms_login(alpha):
    with schema_context("alpha"):
        modes = AssociationSettings.objects.get().login_modes
    assert modes == ["phone_password", "email_password"]  # the CMES profile
    client = Client(HTTP_HOST=alpha.host)
    sent = len(console.SENT)
    page = client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"})
    assert page.status_code == 403
    assert page.json()["error"]["message"] == SMS_LOGIN_OFF
    api = client.post("/api/v1/accounts/code/", {"phone": PHONE, "purpose": "login"},
                      content_type="application/json")
    assert api.status_code == 403 and api.json()["error"]["message"] == SMS_LOGIN_OFF
    assert len(console.SENT) == sent
    shown = client.get("/login/sms/")
    assert shown.status_code == 403 and SMS_LOGIN_OFF in shown.content.decode()
    assert 'name="code"' not in shown.content.decode()


@pytest.mark.django_db
def test_sms_login_on_cmes_with_a_valid_code_is_refused_and_makes_no_account(alpha):
    # A code sent while SMS login was on, used after the association turned it off.
    with schema_context("alpha"):
        before = AssociationSettings.objects.get().login_modes
        AssociationSettings.objects.update(login_modes=["phone_sms", *before])
    client = Client(HTTP_HOST=alpha.host)
    assert client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"}).status_code \
        == 200
    with schema_context("alpha"):
        AssociationSettings.objects.update(login_modes=before)
        users = User.objects.count()
    response = client.post("/login/sms/", {"phone": PHONE, "code": last_code(PHONE)})
    assert response.status_code == 403
    assert SMS_LOGIN_OFF in response.content.decode()
    assert client.get("/api/v1/me/").status_code == 403
    with schema_context("alpha"):
        assert User.objects.count() == users
        assert not User.objects.filter(phone=PHONE).exists()


@pytest.mark.django_db
def test_sms_login_never_makes_an_account(beta):
    sms_login_on("beta")
    client = Client(HTTP_HOST=beta.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"})
    response = client.post("/login/sms/", {"phone": PHONE, "code": last_code(PHONE)})
    assert response.status_code == 404
    page = response.content.decode()
    assert "该手机号未注册账号，请先注册。" in page and 'href="/signup/"' in page
    assert client.get("/api/v1/me/").status_code == 403
    with schema_context("beta"):
        assert not User.objects.filter(phone=PHONE).exists()


@pytest.mark.django_db
def test_sign_up_codes_only_where_sign_up_is_verified_by_sms(beta):
    # As the generic profile: sign-ups verified by email, so no SMS is sent for them.
    account_settings("beta", login_modes=["phone_password", "email_password"],
                     signup_verification="email")
    sent = len(console.SENT)
    response = Client(HTTP_HOST=beta.host).post(
        "/api/v1/accounts/code/", {"phone": PHONE, "purpose": "signup"},
        content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "本会注册不使用短信验证。"
    assert len(console.SENT) == sent


@pytest.mark.django_db
def test_password_login_only_where_offered(beta):
    account_settings("beta", login_modes=["phone_sms"])
    response = login(Client(HTTP_HOST=beta.host), "beta-member", **solved_slider(beta.host))
    assert response.status_code == 403
    assert "本会不提供密码登录，请使用短信验证码登录。" in response.content.decode()


@pytest.mark.django_db
def test_an_unsolved_slider_never_tells_whether_the_password_was_right(alpha):
    # CMES always asks for the slider; without it the password is not even checked.
    pages = []
    for password in (PASSWORD, "wrong"):
        response = login(Client(HTTP_HOST=alpha.host), "alpha-member", password,
                         hc_token="x", hc_position="1")
        assert response.status_code == 200
        pages.append(response.content.decode())
    for page in pages:
        assert "安全验证未通过，请将拼图块拖入新图片的缺口。" in page
        assert "账号或密码错误" not in page


# --- 6. the address is the one our proxies saw --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_forwarded_for_does_not_dodge_the_sms_cap(alpha, settings, proxies):
    settings.TRUSTED_PROXIES = proxies
    settings.SMS_CODES_PER_IP_PER_DAY = 2
    # proxies=0: the client talks to us directly from 198.51.100.7; proxies=1: through our
    # nginx at 10.0.0.1, which appends the address it saw.
    remote, real = ("198.51.100.7", "") if proxies == 0 else ("10.0.0.1", ", 198.51.100.7")
    answers = []
    for n in range(3):
        client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=remote,
                        HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}{real}")
        answers.append(client.post("/accounts/code/", {"phone": f"1360000000{n}",
                                                       "purpose": "signup"}))
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["error"]["message"] == "今日您所在网络获取验证码次数过多，请明天再试。"
    with schema_context("alpha"):
        assert set(VerificationCode.objects.values_list("ip", flat=True)) == {"198.51.100.7"}


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_forwarded_for_does_not_aim_the_sms_cap_at_someone_else(alpha, settings,
                                                                         proxies):
    settings.TRUSTED_PROXIES = proxies
    settings.SMS_CODES_PER_IP_PER_DAY = 2
    victim = "198.51.100.8"
    attacker = {"REMOTE_ADDR": "198.51.100.66", "HTTP_X_FORWARDED_FOR": victim} \
        if proxies == 0 else \
        {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"{victim}, 198.51.100.66"}
    for n in range(2):
        Client(HTTP_HOST=alpha.host, **attacker).post(
            "/accounts/code/", {"phone": f"1360000000{n}", "purpose": "signup"})
    own = {"REMOTE_ADDR": victim} if proxies == 0 else \
        {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": victim}
    response = Client(HTTP_HOST=alpha.host, **own).post(
        "/accounts/code/", {"phone": "13600000009", "purpose": "signup"})
    assert response.status_code == 200 and response.json()["sent"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_forwarded_for_does_not_dodge_or_aim_the_login_limit(beta, settings,
                                                                      proxies):
    settings.TRUSTED_PROXIES = proxies
    settings.LOGIN_HUMAN_CHECK_AFTER_FAILURES = 3

    def client(real: str, forged: str) -> Client:
        if proxies == 0:
            return Client(HTTP_HOST=beta.host, REMOTE_ADDR=real, HTTP_X_FORWARDED_FOR=forged)
        return Client(HTTP_HOST=beta.host, REMOTE_ADDR="10.0.0.1",
                      HTTP_X_FORWARDED_FOR=f"{forged}, {real}")

    # Three failures from 198.51.100.5, each claiming another address...
    for n in range(3):
        login(client("198.51.100.5", f"203.0.113.{n + 1}"), f"nobody-{n}", "wrong")
    # ...bring the slider for the next login from there, whatever it claims,
    dodged = login(client("198.51.100.5", "203.0.113.99"), "beta-member")
    assert dodged.status_code == 200 and SLIDER in dodged.content.decode()
    # and not for the address they claimed.
    claimed = login(client("203.0.113.1", "192.0.2.1"), "beta-finance")
    assert claimed.status_code == 302


# --- 7. success clears the counters; SMS reset checks the password; CSRF on the API ------------


@pytest.mark.django_db
def test_a_successful_login_clears_the_address_counter(beta):
    office = "198.51.100.20"
    # Ten typos from one office network, on ten different names (no one account locked)...
    for n in range(10):
        login(Client(HTTP_HOST=beta.host, REMOTE_ADDR=office), f"typo-{n}", "wrong",
              **solved_slider(beta.host))
    # ...do not keep a colleague with the right password out,
    first = login(Client(HTTP_HOST=beta.host, REMOTE_ADDR=office), "beta-member",
                  **solved_slider(beta.host))
    assert first.status_code == 302
    # and her success clears the address: the next colleague needs no slider.
    second = login(Client(HTTP_HOST=beta.host, REMOTE_ADDR=office), "beta-finance")
    assert second.status_code == 302


@pytest.mark.django_db
def test_a_successful_login_clears_the_accounts_failures(beta, settings):
    settings.LOGIN_HUMAN_CHECK_AFTER_FAILURES = 3
    client = Client(HTTP_HOST=beta.host, REMOTE_ADDR="198.51.100.21")
    for _ in range(2):
        login(client, "beta-member", "wrong")
    assert login(client, "beta-member").status_code == 302
    client = Client(HTTP_HOST=beta.host, REMOTE_ADDR="198.51.100.21")
    for _ in range(2):
        login(client, "beta-member", "wrong")
    assert login(client, "beta-member").status_code == 302  # 2 failures since: no slider


@pytest.mark.django_db
def test_sms_reset_refuses_a_common_password(beta):
    with_phone(beta, "member")
    client = Client(HTTP_HOST=beta.host)
    client.post("/accounts/code/", {"phone": PHONE, "purpose": "reset"})
    code = last_code(PHONE)
    weak = client.post("/password/reset/sms/", {"phone": PHONE, "code": code,
                                                "password1": "password1",
                                                "password2": "password1"})
    assert weak.status_code == 400
    assert "这个密码太常见了。" in weak.content.decode()
    assert login(Client(HTTP_HOST=beta.host), PHONE, "password1").status_code == 200
    # The code is not used up by the refusal: the person picks a better password.
    ok = client.post("/password/reset/sms/", {"phone": PHONE, "code": code,
                                              "password1": "Better-2026-pass",
                                              "password2": "Better-2026-pass"})
    assert ok.status_code == 302
    assert login(Client(HTTP_HOST=beta.host), PHONE, "Better-2026-pass").status_code == 302


CSRF_REFUSED = "该请求并非来自本站页面（安全令牌缺失或错误），请刷新页面后重试。"


@pytest.mark.django_db
def test_cross_site_posts_to_the_anonymous_api_are_refused(alpha):
    browser = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    sent = len(console.SENT)
    code = browser.post("/api/v1/accounts/code/", {"phone": PHONE, "purpose": "signup"},
                        content_type="application/json")
    assert code.status_code == 403
    assert code.json()["error"]["message"] == CSRF_REFUSED
    signup = browser.post("/api/v1/accounts/signup/", {
        "name": "攻击者", "phone": PHONE, "email": "evil@example.test",
        "password": "Evil-2026-pass", "code": "123456", **solved_slider(browser)},
        content_type="application/json")
    assert signup.status_code == 403
    assert signup.json()["error"]["message"] == CSRF_REFUSED
    assert len(console.SENT) == sent
    with schema_context("alpha"):
        assert not User.objects.filter(email="evil@example.test").exists()
    assert browser.get("/api/v1/me/").status_code == 403


@pytest.mark.django_db
def test_the_sites_own_client_gets_a_token_and_signs_up(alpha):
    browser = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    token = browser.get("/api/v1/accounts/csrf/")
    assert token.status_code == 200 and "csrftoken" in token.cookies
    header = {"HTTP_X_CSRFTOKEN": token.json()["csrf_token"]}
    sent = browser.post("/api/v1/accounts/code/", {"phone": PHONE, "purpose": "signup"},
                        content_type="application/json", **header)
    assert sent.status_code == 201
    created = browser.post("/api/v1/accounts/signup/", {
        "name": "赵六", "phone": PHONE, "email": "zhao@example.test",
        "password": "Zhao-2026-pass", "code": last_code(PHONE), **solved_slider(browser)},
        content_type="application/json", **header)
    assert created.status_code == 201, created.content
    assert browser.get("/api/v1/me/").json()["name"] == "赵六"


@pytest.mark.django_db
def test_the_platform_site_offers_sms_reset_but_no_sms_login(public_client):
    refused = public_client.post("/login/sms/", {"phone": PHONE, "code": "123456"})
    assert refused.status_code == 404
    assert public_client.post("/accounts/code/", {"phone": PHONE, "purpose": "login"}) \
        .status_code == 403
    reset = public_client.post("/password/reset/sms/", {
        "phone": PHONE, "code": "123456", "password1": "Better-2026-pass",
        "password2": "Better-2026-pass"})
    assert reset.status_code == 400
    assert "验证码已过期或未获取，请重新获取。" in reset.content.decode()
