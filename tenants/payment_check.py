"""Onboarding's WeChat Pay and Alipay credentials, checked against the gateway before the
association is created: a query for an order number that cannot exist, signed with the
merchant's key. The gateway answering "no such order" with a response that verifies with
the given platform (Alipay) public key proves the merchant id, serial number, private key and
public key together; a refused signature or an answer that does not verify says which part
is wrong. Nothing is stored here."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from huiji.payments.alipay import DEFAULT_GATEWAY, AlipayGateway
from huiji.payments.base import PaymentError, ProviderError, VerificationError
from huiji.payments.keys import secret_problem
from huiji.payments.wechat import DEFAULT_BASE, WeChatPayGateway

# (field of the onboarding form, key in the account's settings or secrets, is it a secret)
WECHAT_FIELDS = (("wechat_merchant_id", "merchant_id", False),
                 ("wechat_app_id", "app_id", False),
                 ("wechat_merchant_serial_no", "merchant_serial_no", False),
                 ("wechat_merchant_private_key", "merchant_private_key", True),
                 ("wechat_api_v3_key", "api_v3_key", True),
                 ("wechat_platform_serial_no", "platform_serial_no", False),
                 ("wechat_platform_public_key", "platform_public_key", True))
ALIPAY_FIELDS = (("alipay_app_id", "app_id", False),
                 ("alipay_app_private_key", "app_private_key", True),
                 ("alipay_public_key", "alipay_public_key", True))
FIELDS = {"wechat": WECHAT_FIELDS, "alipay": ALIPAY_FIELDS}
CHECK_TIMEOUT_SECONDS = 8


@dataclass(frozen=True)
class OnlineAccount:
    kind: str  # wechat | alipay
    settings: dict
    secrets: dict


def _fail(code: str, message, field: str):
    raise AppError(code, message, field=field)


def online_account_from(kind: str, data: dict) -> OnlineAccount | None:
    """The account the operator entered (None when all its fields are empty); every field is
    required once one is given, and keys must load (PEM or bare base64, RSA2048)."""
    given = {form: str(data.get(form) or "").strip() for form, _key, _s in FIELDS[kind]}
    if not any(given.values()):
        return None
    settings, secret_values = {}, {}
    for form, key, secret in FIELDS[kind]:
        value = given[form]
        if not value or len(value) > 5000 or "\x00" in value:
            _fail("online_incomplete", _("Fill in every field of this payment account, or "
                                         "leave them all empty."), form)
        (secret_values if secret else settings)[key] = value
    # The gateway's address: empty for the real one; the fake gateway's in tests and the demo.
    gateway_url = str(data.get(f"{kind}_gateway_url") or "").strip()
    if gateway_url:
        if not re.match(r"^https?://[^\s]{1,200}$", gateway_url):
            _fail("gateway_url_invalid", _("Enter the gateway's address as an http(s) URL, or "
                                           "leave it empty."), f"{kind}_gateway_url")
        settings["gateway_url"] = gateway_url
    for form, key, secret in FIELDS[kind]:
        problem = secret_problem(key, secret_values[key]) if secret else None
        if problem:
            _fail("key_invalid", problem, form)
    return OnlineAccount(kind, settings, secret_values)


def online_account_check(account: OnlineAccount) -> None:
    """Ask the gateway; raise an AppError naming what is wrong."""
    probe = f"HJCHECK{secrets.token_hex(8)}"
    s, k = account.settings, account.secrets
    if account.kind == "wechat":
        gateway = WeChatPayGateway(
            merchant_id=s["merchant_id"], app_id=s["app_id"],
            merchant_serial_no=s["merchant_serial_no"],
            merchant_private_key=k["merchant_private_key"], api_v3_key=k["api_v3_key"],
            platform_public_keys={s["platform_serial_no"]: k["platform_public_key"]},
            base_url=s.get("gateway_url") or DEFAULT_BASE)
        gateway.timeout = CHECK_TIMEOUT_SECONDS
        try:
            gateway.query(probe)
        except VerificationError:
            _fail("wechat_unverified", _("WeChat Pay's answer does not verify with this "
                                         "platform public key and serial number."),
                  "wechat_platform_public_key")
        except ProviderError as exc:
            if exc.code == "ORDER_NOT_EXIST" and exc.verified:
                return  # the expected answer, signed: merchant, keys and serial all check
            _fail("wechat_refused", _("WeChat Pay refused the request (%(reason)s): check "
                                      "the merchant id, certificate serial number and "
                                      "private key.") % {"reason": exc.reason},
                  "wechat_merchant_id")
        except PaymentError:
            _fail("gateway_unreachable", _("WeChat Pay could not be reached; try again."),
                  "wechat_merchant_id")
        return  # a verified answer about such an order proves as much
    gateway = AlipayGateway(app_id=s["app_id"], app_private_key=k["app_private_key"],
                            alipay_public_key=k["alipay_public_key"],
                            gateway_url=s.get("gateway_url") or DEFAULT_GATEWAY)
    gateway.timeout = CHECK_TIMEOUT_SECONDS
    try:
        gateway.query(probe)  # "no such trade", signed, is the expected answer
    except VerificationError:
        _fail("alipay_unverified", _("Alipay's answer does not verify with this Alipay "
                                     "public key."), "alipay_public_key")
    except ProviderError as exc:
        _fail("alipay_refused", _("Alipay refused the request (%(reason)s): check the app "
                                  "id and the app private key.") % {"reason": exc.reason},
              "alipay_app_id")
    except PaymentError:
        _fail("gateway_unreachable", _("Alipay could not be reached; try again."),
              "alipay_app_id")
