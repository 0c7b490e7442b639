"""The Aliyun and Tencent adapters against the local fake gateway, which checks signatures
the way the real ones do."""

from __future__ import annotations

import pytest

from huiji.sms.aliyun import AliyunSmsBackend
from huiji.sms.base import SmsError, SmsTemplateMissing
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


@pytest.mark.parametrize("backend", [aliyun, tencent])
@pytest.mark.parametrize("template", ["", "  ", None])
def test_an_event_without_a_template_code_is_refused_before_sending(gateway, backend,
                                                                    template):
    with pytest.raises(SmsTemplateMissing) as refused:
        backend(gateway).send(phone="13912345678", text="张敏，…", template=template,
                              params={"link": "https://caq.example.org/reset/x/"},
                              event="staff_invited")
    assert "no provider template code is configured for staff_invited" in str(refused.value)
    assert gateway.messages == [] and gateway.rejected == []


def test_the_fake_aliyun_gateway_keeps_blank_parameters(gateway):
    """A blank parameter is part of what the real gateway signs and reads: the fake must not
    drop it (it did, and then refused the signature of every request carrying one)."""
    import json
    import uuid

    import requests

    from huiji.sms import aliyun as protocol

    query = {"AccessKeyId": "test-id", "Action": "SendSms", "Format": "JSON",
             "PhoneNumbers": "13912345678", "RegionId": "cn-hangzhou", "SignName": "测试",
             "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex,
             "SignatureVersion": "1.0", "TemplateCode": "SMS_300", "OutId": "",
             "TemplateParam": json.dumps({"name": "张敏", "reason": ""}),
             "Timestamp": "2026-05-01T00:00:00Z", "Version": "2017-05-25"}
    query["Signature"] = protocol.sign(query, "test-secret")
    body = requests.get(gateway.url, params=query, timeout=5).json()
    assert body["Code"] == "OK", body
    assert gateway.messages[0]["params"] == {"name": "张敏", "reason": ""}

    query.update(TemplateCode="", SignatureNonce=uuid.uuid4().hex)
    query.pop("Signature")
    query["Signature"] = protocol.sign(query, "test-secret")
    body = requests.get(gateway.url, params=query, timeout=5).json()
    assert body["Code"] == "isv.SMS_TEMPLATE_ILLEGAL", body  # refused as blank, not unsigned
    assert len(gateway.messages) == 1
