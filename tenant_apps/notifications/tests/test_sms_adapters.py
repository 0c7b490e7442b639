"""The Aliyun and Tencent adapters against the local fake gateway, which checks signatures
the way the real ones do."""

from __future__ import annotations

import pytest

from huiji.sms.aliyun import AliyunSmsBackend
from huiji.sms.base import SmsError
from huiji.sms.fake_gateway import FakeSmsGateway
from huiji.sms.tencent import TencentSmsBackend


@pytest.fixture
def gateway():
    fake = FakeSmsGateway({"test-id": "test-secret"}).start()
    yield fake
    fake.stop()


def aliyun(gateway, secret="test-secret"):
    return AliyunSmsBackend(access_key_id="test-id", access_key_secret=secret,
                            sign_name="中国机械工程学会", endpoint=gateway.url)


def tencent(gateway, secret="test-secret"):
    return TencentSmsBackend(access_key_id="test-id", access_key_secret=secret,
                             sign_name="江苏燃气热力", sdk_app_id="1400000000",
                             endpoint=gateway.url)


def test_aliyun_sends_a_signed_template_message(gateway):
    message_id = aliyun(gateway).send(phone="13912345678", text="您的验证码为123456",
                                      template="SMS_001", params={"code": "123456"})
    assert gateway.messages == [{"provider": "aliyun", "phone": "13912345678",
                                 "template": "SMS_001", "params": {"code": "123456"},
                                 "id": message_id}]


def test_tencent_sends_ordered_parameters(gateway):
    tencent(gateway).send(phone="13912345678", text="x", template="1234567:code,minutes",
                          params={"code": "654321", "minutes": "5"})
    assert gateway.messages[0]["phone"] == "+8613912345678"
    assert gateway.messages[0]["template"] == "1234567"
    assert gateway.messages[0]["params"] == ["654321", "5"]


@pytest.mark.parametrize("backend", [aliyun, tencent])
def test_a_wrong_secret_is_refused_by_the_signature_check(gateway, backend):
    with pytest.raises(SmsError, match=r"(?i)signature"):
        backend(gateway, secret="not-the-secret").send(
            phone="13912345678", text="x", template="1:code", params={"code": "1"})
    assert gateway.messages == []
    assert gateway.rejected


@pytest.mark.parametrize("backend", [aliyun, tencent])
def test_an_outage_is_an_error_to_retry(gateway, backend):
    gateway.fail = 1
    with pytest.raises(SmsError):
        backend(gateway).send(phone="13912345678", text="x", template="1:code",
                              params={"code": "1"})
    backend(gateway).send(phone="13912345678", text="x", template="1:code",
                          params={"code": "1"})
    assert len(gateway.messages) == 1
