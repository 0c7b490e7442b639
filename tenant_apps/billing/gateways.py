"""The association's own merchant accounts as gateway adapters."""

from __future__ import annotations

import hashlib
import json
import threading

from django.db import connection

from huiji.errors import AppError
from huiji.payments.alipay import DEFAULT_GATEWAY, AlipayGateway
from huiji.payments.base import Gateway
from huiji.payments.wechat import DEFAULT_BASE, WeChatPayGateway
from tenant_apps.configuration.crypto import decrypt
from tenant_apps.configuration.models import PaymentAccount
from tenant_apps.configuration.selectors import ONLINE_SETTINGS, online_account


def account_for(method: str) -> PaymentAccount | None:
    """The online account of `method` members can pay with: enabled, with its settings and
    keys (an enabled account whose keys are not entered yet is offered to nobody)."""
    if method not in ONLINE_SETTINGS:
        return None
    return online_account(method)


# Adapters built from an account's row, kept across requests in this process: building one
# decrypts its keys (a key derivation and a Fernet token each) and the adapter then holds them
# loaded. Keyed by the association's schema and a digest of the row's settings and encrypted
# secrets, so changed keys (or settings) make a new key: a stale adapter is never used. The
# account row itself is still read per request (`account_for`): whether it is enabled, and
# its current keys, come from the database. Adapters keep no per-request state, so threads
# share them.
_ADAPTERS: dict[tuple[str, int, str], Gateway] = {}
_ADAPTERS_MAX = 512
_adapters_lock = threading.Lock()


def gateway_for(account: PaymentAccount) -> Gateway:
    """The adapter of `account` as its row is now."""
    digest = hashlib.sha256(json.dumps([account.kind, account.settings, account.secrets],
                                       sort_keys=True).encode()).hexdigest()
    key = (connection.schema_name, account.pk, digest)
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _gateway_built(account)
        with _adapters_lock:
            if len(_ADAPTERS) >= _ADAPTERS_MAX:
                _ADAPTERS.clear()  # keys replaced many times over: start again
            _ADAPTERS[key] = adapter
    return adapter


def _gateway_built(account: PaymentAccount) -> Gateway:
    s = account.settings
    secrets = {name: decrypt(token) for name, token in account.secrets.items()}
    try:
        if account.kind == PaymentAccount.Kind.WECHAT:
            return WeChatPayGateway(
                merchant_id=s["merchant_id"], app_id=s["app_id"],
                merchant_serial_no=s["merchant_serial_no"],
                merchant_private_key=secrets["merchant_private_key"],
                api_v3_key=secrets["api_v3_key"],
                platform_public_keys={s["platform_serial_no"]: secrets["platform_public_key"]},
                base_url=s.get("gateway_url") or DEFAULT_BASE)
        if account.kind == PaymentAccount.Kind.ALIPAY:
            return AlipayGateway(app_id=s["app_id"], app_private_key=secrets["app_private_key"],
                                 alipay_public_key=secrets["alipay_public_key"],
                                 gateway_url=s.get("gateway_url") or DEFAULT_GATEWAY,
                                 seller_id=s.get("seller_id", ""))
    except KeyError as exc:
        raise AppError("payment_account_incomplete", f"{account.display_name}: {exc}",
                       status=503) from exc
    raise AppError("no_gateway", account.kind)


def merchant_of(account: PaymentAccount) -> str:
    """What a genuine notification for this account names as its merchant."""
    return account.settings.get("merchant_id" if account.kind == PaymentAccount.Kind.WECHAT
                                else "app_id", "")
