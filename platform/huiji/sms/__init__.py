"""SMS delivery: one small interface, adapters for Aliyun and Tencent Cloud written with
`requests` and their real request signing, and a console backend for development.

SMS_BACKEND picks one: `console` (default), `aliyun`, `tencent`. Credentials come from the
environment (SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET, SMS_SIGN_NAME, SMS_ENDPOINT, and for
Tencent SMS_SDK_APP_ID and SMS_REGION). SMS_ENDPOINT points the adapters at the local fake
gateway (huiji.sms.fake_gateway) in tests and in the demo.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from huiji.sms.base import SmsBackend, SmsError, SmsTemplateMissing

BACKENDS = {
    "console": "huiji.sms.console.ConsoleSmsBackend",
    "aliyun": "huiji.sms.aliyun.AliyunSmsBackend",
    "tencent": "huiji.sms.tencent.TencentSmsBackend",
}


def sms_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    return import_string(BACKENDS.get(name, name))(**settings.SMS_OPTIONS)


def sms_template(event: str, template: str = "") -> str:
    """The provider template code to send `event` with: the association's template's own
    code, or the platform's code for the event (SMS_TEMPLATES), or blank (refused by the
    providers' adapters)."""
    return (template or "").strip() or settings.SMS_TEMPLATES.get(event, "")


__all__ = ["SmsBackend", "SmsError", "SmsTemplateMissing", "sms_backend", "sms_template"]
