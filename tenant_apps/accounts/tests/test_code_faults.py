"""The SMS provider down while a verification code is sent (docs/accounts.md, "When the SMS
provider is down"): the person reads a clear Chinese message with a 503, nothing is stored
(no code, no count against the daily limits, no 60-second wait), and asking again works as
soon as the provider is back."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from huiji.sms.fake_gateway import FakeSmsGateway
from tenant_apps.accounts.models import VerificationCode
from tests.faults import closed_port
from tests.harness import solved_slider

PHONE = "13612340000"
SMS_FAILED = "短信发送失败，请稍后重试。"


def aliyun(settings, endpoint: str) -> None:
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_OPTIONS = {"access_key_id": "test-id", "access_key_secret": "test-secret",
                            "sign_name": "测试", "endpoint": endpoint}
    settings.SMS_CODE_TEMPLATE = "SMS_CODE_1"


@pytest.fixture
def gateway():
    fake = FakeSmsGateway({"test-id": "test-secret"}).start()
    yield fake
    fake.stop()


@pytest.mark.django_db
def test_provider_down_then_answering_5xx_then_back(alpha, settings, gateway):
    with schema_context("alpha"):
        member = alpha.user("member")
        member.phone = PHONE
        member.save()
    client = Client(HTTP_HOST=alpha.host)
    ask = {"phone": PHONE, "purpose": "reset"}

    aliyun(settings, f"http://127.0.0.1:{closed_port()}/")  # nothing listens: refused
    refused = client.post("/accounts/code/", ask)
    assert refused.status_code == 503
    assert refused.json()["error"]["message"] == SMS_FAILED

    aliyun(settings, gateway.url)
    gateway.fail = 1  # up, but answering 503 isp.SYSTEM_ERROR
    again = client.post("/accounts/code/", ask)  # at once: no "wait 60 seconds"
    assert again.status_code == 503
    assert again.json()["error"]["message"] == SMS_FAILED
    with schema_context("alpha"):
        # nothing half-written: no code stored, so nothing counts against the limits
        assert VerificationCode.objects.filter(phone=PHONE).count() == 0
    assert gateway.messages == []

    sent = client.post("/accounts/code/", ask)  # the provider is back
    assert sent.status_code == 200 and sent.json() == {"sent": True, "resend_after": 60}
    [message] = gateway.messages
    assert (message["phone"], message["template"]) == (PHONE, "SMS_CODE_1")
    with schema_context("alpha"):
        assert VerificationCode.objects.filter(phone=PHONE).count() == 1  # one, not three
    response = client.post("/password/reset/sms/", {
        "phone": PHONE, "code": message["params"]["code"], "password1": "Brand-new-2026",
        "password2": "Brand-new-2026"})
    assert response.status_code == 302
    assert client.post("/login/", {"username": PHONE, "password": "Brand-new-2026",
                                   **solved_slider(client)}).status_code == 302


@pytest.mark.django_db
def test_the_daily_limit_counts_only_codes_that_were_sent(alpha, settings, gateway):
    settings.SMS_CODES_PER_PHONE_PER_DAY = 1
    client = Client(HTTP_HOST=alpha.host)
    aliyun(settings, gateway.url)
    gateway.fail = 3
    for _ in range(3):
        assert client.post("/accounts/code/", {"phone": PHONE, "purpose": "reset"}) \
            .status_code == 503
    # three failures used none of the one code a day
    assert client.post("/accounts/code/", {"phone": PHONE, "purpose": "reset"}) \
        .status_code == 200
    assert len(gateway.messages) == 1
