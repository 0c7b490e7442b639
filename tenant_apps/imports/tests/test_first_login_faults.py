"""首次登录 with the SMS provider down: a clear message, and the member may ask again at once
(the failed send uses neither the 60-second wait nor the day's count)."""

from __future__ import annotations

import pytest

from huiji.sms.fake_gateway import FakeSmsGateway
from tenant_apps.imports.tests.test_first_login import _send, cacem_units  # noqa: F401
from tests.faults import closed_port

pytestmark = pytest.mark.django_db


def test_first_login_code_with_the_provider_down_then_back(cacem_units, settings):  # noqa: F811
    gateway = FakeSmsGateway({"test-id": "test-secret"}).start()
    try:
        settings.SMS_BACKEND = "aliyun"
        settings.SMS_CODE_TEMPLATE = "SMS_CODE_1"
        options = {"access_key_id": "test-id", "access_key_secret": "test-secret",
                   "sign_name": "测试"}
        settings.SMS_OPTIONS = {**options, "endpoint": f"http://127.0.0.1:{closed_port()}/"}
        response = _send(cacem_units, "13900000001")
        assert response.status_code == 503
        assert "短信发送失败，请稍后重试。" in response.content.decode()

        settings.SMS_OPTIONS = {**options, "endpoint": gateway.url}
        response = _send(cacem_units, "13900000001")  # at once, not in 60 seconds
        assert response.status_code == 200
        assert "139****0001" in response.content.decode()
        assert [m["phone"] for m in gateway.messages] == ["13900000001"]
    finally:
        gateway.stop()
