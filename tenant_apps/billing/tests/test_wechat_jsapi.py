"""Paying inside WeChat (JSAPI) end to end against the fake gateway: WeChat's OAuth gives
the payer's OpenID (kept in the session only), the order-pay API and the order page pay with
trade_type JSAPI, and the JSAPI parameters are signed as WeChat documents."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client
from django_tenants.utils import schema_context

from huiji.payments import rsa
from tenant_apps.billing.models import OrderStatus
from tenant_apps.billing.payments import payment_notified
from tenant_apps.billing.tests.online import WX_APPID
from tenant_apps.billing.tests.test_online import unpaid_order
from tenant_apps.configuration.models import PaymentAccount

IN_WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


def member_client(order) -> Client:
    client = Client(HTTP_HOST="cmes.localhost", HTTP_USER_AGENT=IN_WECHAT)
    client.force_login(order.payer, backend=BACKEND)
    return client


def authorise(client: Client, number: str, fake) -> None:
    """The payer's round trip through WeChat's (fake) authorize page back to the callback."""
    start = client.get(f"/member/orders/{number}/wechat-oauth/")
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == fake.url
    assert authorize.path == "/connect/oauth2/authorize"
    assert authorize.fragment == "wechat_redirect"
    query = parse_qs(authorize.query)
    assert query["appid"] == [WX_APPID] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"][0].endswith("/payments/wechat/oauth/")
    back = requests.get(start["Location"].split("#")[0], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    done = client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302 and done["Location"] == f"/member/orders/{number}/"


def merchant_public_key() -> str:
    from tenant_apps.configuration.crypto import decrypt

    private = decrypt(PaymentAccount.objects.get(kind="wechat").secrets["merchant_private_key"])
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private.encode(), None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_jsapi_through_the_api_with_the_openid_from_oauth(cmes, fake):
    order = unpaid_order(41)
    client = member_client(order)
    refused = client.post(f"/api/v1/orders/{order.number}/pay/",
                          {"method": "wechat", "scene": "jsapi"}, content_type="application/json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "openid_required"
    assert error["details"]["authorize"] == f"/member/orders/{order.number}/wechat-oauth/"

    authorise(client, order.number, fake)
    answer = client.post(f"/api/v1/orders/{order.number}/pay/",
                         {"method": "wechat", "scene": "jsapi"}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["kind"] == "jsapi"
    jsapi = data["jsapi"]
    assert (jsapi["appId"], jsapi["signType"]) == (WX_APPID, "RSA")
    assert jsapi["package"].startswith("prepay_id=wx")
    # paySign: RSA-SHA256 over "appId\ntimeStamp\nnonceStr\npackage\n" with the merchant key
    message = f"{WX_APPID}\n{jsapi['timeStamp']}\n{jsapi['nonceStr']}\n{jsapi['package']}\n"
    assert rsa.verify(merchant_public_key(), message, jsapi["paySign"])
    trade = fake.trades[order.number]
    assert (trade["trade_type"], trade["openid"], trade["amount"]) == (
        "JSAPI", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", order.amount_fen)
    # the OpenID is the session's, nowhere in the database
    assert "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" not in json.dumps(
        list(PaymentAccount.objects.values()), default=str)

    fake.pay(order.number, send=False)
    headers, body = fake.notification(order.number)
    assert payment_notified(method="wechat", headers=headers, body=body).outcome == "applied"
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_jsapi_from_the_order_page_inside_wechat(cmes, fake):
    order = unpaid_order(42)
    client = member_client(order)
    page = client.get(f"/member/orders/{order.number}/").content.decode()
    assert 'name="scene" value="jsapi"' in page
    # without an OpenID yet, choosing WeChat Pay goes through WeChat's OAuth first
    first = client.post(f"/member/orders/{order.number}/pay/wechat/", {"scene": "jsapi"})
    assert first.status_code == 302
    assert first["Location"] == f"/member/orders/{order.number}/wechat-oauth/"
    authorise(client, order.number, fake)
    paying = client.post(f"/member/orders/{order.number}/pay/wechat/", {"scene": "jsapi"})
    assert paying.status_code == 200
    html = paying.content.decode()
    assert "在微信中支付" in html or "Pay with WeChat" in html
    start = html.index('id="wechat-jsapi"')
    params = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    assert params["appId"] == WX_APPID and params["package"].startswith("prepay_id=")
    assert fake.trades[order.number]["trade_type"] == "JSAPI"


def test_a_callback_with_another_state_is_refused_and_keeps_nothing(cmes, fake):
    order = unpaid_order(43)
    client = member_client(order)
    client.get(f"/member/orders/{order.number}/wechat-oauth/")
    forged = client.get("/payments/wechat/oauth/?code=anything&state=not-the-one")
    assert forged.status_code == 400
    assert "微信授权" in forged.content.decode() or "WeChat" in forged.content.decode()
    assert "wechat_openid" not in client.session


def test_without_an_app_secret_wechat_pay_inside_wechat_is_not_offered(cmes, fake):
    order = unpaid_order(44)
    with schema_context("cmes"):
        account = PaymentAccount.objects.get(kind="wechat")
        account.secrets = {k: v for k, v in account.secrets.items() if k != "app_secret"}
        account.save()
    client = member_client(order)
    page = client.get(f"/member/orders/{order.number}/").content.decode()
    assert 'value="jsapi"' not in page and 'name="scene" value="h5"' in page


@pytest.mark.parametrize("openid", ["oSomebodyWeChatNeverGaveUs"])
def test_an_openid_wechat_did_not_issue_is_refused_by_the_gateway(cmes, fake, openid):
    order = unpaid_order(45)
    client = member_client(order)
    answer = client.post(f"/api/v1/orders/{order.number}/pay/",
                         {"method": "wechat", "scene": "jsapi", "openid": openid},
                         content_type="application/json")
    assert answer.status_code == 503
    assert order.number not in fake.trades
