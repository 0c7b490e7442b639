"""Conformance of the Aliyun and Tencent Cloud SMS adapters, and of the fake SMS gateway,
with the providers' own SDKs and published examples.

The SDKs are test-only dependencies (pyproject's dev extras): aliyun-python-sdk-core and
tencentcloud-sdk-python-common. Each is an independent client: the fake must accept what
the SDK sends and answer so the SDK understands it (errors included); the SDK's own
signing, run over a request our adapter sent, must give the adapter's signature. Expected
values from the providers' documents are written out by hand.
"""

from __future__ import annotations

import json
import types
from urllib.parse import urlparse

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.algorithm import sha_hmac1
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from huiji.sms import aliyun, tencent
from huiji.sms.aliyun import AliyunSmsBackend
from huiji.sms.fake_gateway import (
    FakeSmsGateway,
    aliyun_percent_encode,
    aliyun_signature,
    tencent_signature,
)
from huiji.sms.tencent import TencentSmsBackend

# 2026-05-01 20:30:00 UTC, which is already 2 May in Beijing: the TC3 scope takes the UTC
# date, so a signer that used Beijing's date would be refused from 16:00 UTC on.
EVENING_UTC = 1777667400


@pytest.fixture
def gateway():
    fake = FakeSmsGateway({"test-id": "test-secret"}).start()
    yield fake
    fake.stop()


def host_of(fake) -> str:
    return urlparse(fake.url).netloc


def sdk_string_to_sign(method: str, params: dict) -> str:
    # The SDK's own composer (a module-level function, named with two underscores).
    return getattr(rpc_signature_composer, "__compose_string_to_sign")(method, params)


# --- Aliyun: published examples ------------------------------------------------------------

DESCRIBE_REGIONS = {  # help.aliyun.com, RPC 签名机制: the DescribeRegions example
    "Timestamp": "2016-02-23T12:46:24Z", "Format": "XML", "AccessKeyId": "testid",
    "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "Version": "2014-05-26",
    "SignatureVersion": "1.0"}
SEND_SMS = {  # help.aliyun.com, 短信服务 HTTP 协议及签名: the SendSms example
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
    "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25"}


def test_aliyun_describe_regions_example():
    assert aliyun.sign(DESCRIBE_REGIONS, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert aliyun_signature("GET", DESCRIBE_REGIONS, "testsecret") == \
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert sdk_string_to_sign("GET", DESCRIBE_REGIONS) == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-"
        "4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z"
        "%26Version%3D2014-05-26")


def test_aliyun_send_sms_example():
    assert aliyun.sign(SEND_SMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_signature("GET", SEND_SMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_percent_encoding_of_the_characters_that_differ():
    # RFC 3986 as Aliyun documents it: a space is %20 (not +), * is %2A, ~ stays.
    assert aliyun.percent_encode("张*敏 ~a+b") == "%E5%BC%A0%2A%E6%95%8F%20~a%2Bb"
    assert aliyun_percent_encode("张*敏 ~a+b") == "%E5%BC%A0%2A%E6%95%8F%20~a%2Bb"


# --- Aliyun: the SDK against the adapter and the fake --------------------------------------

def test_aliyun_sdk_signs_what_the_adapter_sent_as_the_adapter_did(gateway):
    backend = AliyunSmsBackend(access_key_id="test-id", access_key_secret="test-secret",
                               sign_name="中国质量协会", endpoint=gateway.url)
    backend.send(phone="13800000003", text="x", template="SMS_300",
                 params={"name": "张*敏", "phone": "138****0003", "note": "a b~c"})
    sent = dict(gateway.requests[-1]["params"])
    given = sent.pop("Signature")
    assert given == sha_hmac1.get_sign_string(sdk_string_to_sign("GET", sent),
                                              "test-secret&")
    assert gateway.messages[-1]["params"] == {"name": "张*敏", "phone": "138****0003",
                                              "note": "a b~c"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_fake_takes_the_sdks_requests(gateway, method):
    client = AcsClient("test-id", "test-secret", "cn-hangzhou", auto_retry=False)
    request = CommonRequest(domain=host_of(gateway), version="2017-05-25",
                            action_name="SendSms")
    request.set_protocol_type("http")
    request.set_method(method)
    for name, value in (("PhoneNumbers", "13800000003"), ("SignName", "中国质量协会"),
                        ("TemplateCode", "SMS_300"),
                        ("TemplateParam", '{"name":"张*敏","code":"123456"}')):
        request.add_query_param(name, value)
    answer = json.loads(client.do_action_with_exception(request))
    assert answer["Code"] == "OK" and answer["BizId"] == gateway.messages[-1]["id"]
    assert gateway.messages[-1]["params"] == {"name": "张*敏", "code": "123456"}
    # The SDK signs a blank SignatureType too: the fake kept it in the signed string.
    assert gateway.requests[-1]["params"]["SignatureType"] == ""


def test_the_sdk_reads_the_fakes_error_answers(gateway):
    client = AcsClient("test-id", "not-the-secret", "cn-hangzhou", auto_retry=False)
    request = CommonRequest(domain=host_of(gateway), version="2017-05-25",
                            action_name="SendSms")
    request.set_protocol_type("http")
    request.add_query_param("PhoneNumbers", "13800000003")
    with pytest.raises(ServerException) as refused:
        client.do_action_with_exception(request)
    assert (refused.value.get_http_status(), refused.value.get_error_code()) == (
        400, "SignatureDoesNotMatch")
    assert refused.value.get_request_id()
    gateway.fail = 1
    good = AcsClient("test-id", "test-secret", "cn-hangzhou", auto_retry=False)
    request.add_query_param("TemplateCode", "SMS_300")
    with pytest.raises(ServerException) as outage:
        good.do_action_with_exception(request)
    assert (outage.value.get_http_status(), outage.value.get_error_code()) == (
        503, "ServiceUnavailable")


# --- Tencent: the published example ---------------------------------------------------------

CVM_PAYLOAD = ('{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
               '"Name": "instance-name"}]}')


def test_tencent_tc3_example():
    # cloud.tencent.com, 签名方法 v3: DescribeInstances at 1551113065 (2019-02-25 16:44:25
    # UTC, already 26 February in Beijing), SecretKey as printed there.
    expected = "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    assert tencent.signature(secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
                             host="cvm.tencentcloudapi.com", payload=CVM_PAYLOAD,
                             timestamp=1551113065, service="cvm") == (
        expected, "2019-02-25/cvm/tc3_request")
    assert tencent_signature(secret_key="Gu5t9xGARNpq86cd98joQYCN3*******", service="cvm",
                             timestamp=1551113065, method="POST", query="",
                             content_type="application/json; charset=utf-8",
                             host="cvm.tencentcloudapi.com",
                             payload=CVM_PAYLOAD.encode()) == expected


def _sdk_tc3(secret: str, headers: dict, payload: bytes, date: str, service: str) -> str:
    """The SDK's own TC3 computation over a request as it was sent."""
    client = CommonClient(service, "2021-01-11", credential.Credential("x", secret),
                          "ap-guangzhou")
    request = types.SimpleNamespace(
        method="POST", uri="/", data=payload,
        header={"Content-Type": headers["content-type"], "Host": headers["host"],
                "X-TC-Timestamp": headers["x-tc-timestamp"]})
    return client._get_tc3_signature({}, request, date, service, secret)


def test_tencent_sdk_signs_what_the_adapter_sent_as_the_adapter_did(gateway, monkeypatch):
    monkeypatch.setattr(tencent, "time", types.SimpleNamespace(time=lambda: EVENING_UTC))
    backend = TencentSmsBackend(access_key_id="test-id", access_key_secret="test-secret",
                                sign_name="江苏燃气热力", sdk_app_id="1400000000",
                                endpoint=gateway.url)
    backend.send(phone="13800000004", text="x", template="1234567:code,minutes",
                 params={"code": "654321", "minutes": "5"})
    sent = gateway.requests[-1]
    authorization = sent["headers"]["authorization"]
    assert "Credential=test-id/2026-05-01/sms/tc3_request" in authorization
    signature = authorization.rsplit("Signature=", 1)[1]
    assert signature == _sdk_tc3("test-secret", sent["headers"], sent["payload"],
                                 "2026-05-01", "sms")
    assert gateway.messages[-1]["params"] == ["654321", "5"]


def _tencent_sdk(gateway, secret: str) -> CommonClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http",
                                                    endpoint=host_of(gateway)))
    return CommonClient("sms", "2021-01-11", credential.Credential("test-id", secret),
                        "ap-guangzhou", profile=profile)


def test_the_fake_takes_the_tencent_sdks_requests(gateway):
    answer = _tencent_sdk(gateway, "test-secret").call_json("SendSms", {
        "PhoneNumberSet": ["+8613800000004"], "SmsSdkAppId": "1400000000",
        "SignName": "江苏燃气热力", "TemplateId": "1234567",
        "TemplateParamSet": ["654321", "5"]})
    status = answer["Response"]["SendStatusSet"][0]
    assert (status["Code"], status["PhoneNumber"]) == ("Ok", "+8613800000004")
    assert gateway.messages[-1]["params"] == ["654321", "5"]
    refused = _tencent_sdk(gateway, "not-the-secret").call_json("SendSms", {
        "PhoneNumberSet": ["+8613800000004"], "SmsSdkAppId": "1400000000",
        "SignName": "江苏燃气热力", "TemplateId": "1234567", "TemplateParamSet": []})
    assert refused["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    assert refused["Response"]["RequestId"]
    assert len(gateway.messages) == 1
