"""The demo's payments: every demo association's WeChat Pay and Alipay accounts point at the
local fake gateway, with freshly generated keys the gateway learns from a shared state file
(`.data/fake-payments.json`), so a person can pay on the demo by "scanning" the QR code."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django_tenants.utils import schema_context

from huiji.payments import rsa
from huiji.payments.fake_gateway import PLATFORM_SERIAL
from tenant_apps.configuration.models import PaymentAccount
from tenant_apps.configuration.services import payment_secret_set

GATEWAY_URL = "http://127.0.0.1:8026"


def state_file() -> Path:
    return Path(settings.DATA_DIR) / "fake-payments.json"


def connect_demo_payments(slugs: list[str], gateway_url: str = GATEWAY_URL) -> Path:
    path = state_file()
    state = json.loads(path.read_text("utf-8")) if path.exists() else {}
    if not state.get("platform_private"):
        state["platform_private"], state["platform_public"] = rsa.new_key_pair()
        state["alipay_private"], state["alipay_public"] = rsa.new_key_pair()
    state.setdefault("wechat_merchants", {})
    state.setdefault("alipay_apps", {})
    state.setdefault("wechat_apps", {})
    for index, slug in enumerate(slugs, start=1):
        with schema_context(slug):
            if PaymentAccount.objects.filter(kind="wechat", enabled=True,
                                             settings__gateway_url=gateway_url).exists():
                continue
            mchid, app_id = f"19000001{index:02d}", f"20210000000001{index:02d}"
            private, public = rsa.new_key_pair()
            api_v3_key, app_secret = secrets.token_hex(16), secrets.token_hex(16)
            state["wechat_merchants"][mchid] = {"serial": f"DEMO{index:02d}",
                                                "public_key": public, "api_v3_key": api_v3_key}
            # the official account's AppSecret, for WeChat's OAuth (paying inside WeChat)
            state["wechat_apps"][f"wxdemo{index:02d}"] = app_secret
            wechat, _ = PaymentAccount.objects.update_or_create(kind="wechat", defaults={
                "display_name": "微信支付", "enabled": True,
                "settings": {"merchant_id": mchid, "app_id": f"wxdemo{index:02d}",
                             "merchant_serial_no": f"DEMO{index:02d}",
                             "platform_serial_no": PLATFORM_SERIAL, "gateway_url": gateway_url}})
            for name, value in (("merchant_private_key", private), ("api_v3_key", api_v3_key),
                                ("platform_public_key", state["platform_public"]),
                                ("app_secret", app_secret)):
                payment_secret_set(acting_user=None, account=wechat, name=name, value=value)
            private, public = rsa.new_key_pair()
            state["alipay_apps"][app_id] = public
            alipay, _ = PaymentAccount.objects.update_or_create(kind="alipay", defaults={
                "display_name": "支付宝", "enabled": True,
                "settings": {"app_id": app_id, "gateway_url": f"{gateway_url}/gateway.do"}})
            for name, value in (("app_private_key", private),
                                ("alipay_public_key", state["alipay_public"])):
                payment_secret_set(acting_user=None, account=alipay, name=name, value=value)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state), "utf-8")
    path.chmod(0o600)
    return path
