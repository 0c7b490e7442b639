"""WeChat's web OAuth, for paying inside WeChat (JSAPI): the payer's OpenID for the
association's official account, obtained with the silent scope snsapi_base and kept in the
member's session only (never stored: it identifies the person's WeChat account to that
official account, and a new one is asked for in the next session).

The authorize step runs on open.weixin.qq.com and the code exchange on api.weixin.qq.com; an
account whose gateway address is set (the fake gateway in tests and the demo) has both
there. The callback is on the association's own primary domain, which is what the official
account registers as its 网页授权域名.
"""

from __future__ import annotations

import hmac
import secrets

from django.urls import reverse
from django.utils.translation import gettext as _

from huiji.errors import AppError
from huiji.payments.base import PaymentError
from huiji.payments.wechat import (
    OAUTH_API_BASE,
    OAUTH_AUTHORIZE_BASE,
    oauth_authorize_url,
    oauth_openid,
)
from tenant_apps.billing.gateways import account_for
from tenant_apps.configuration.crypto import decrypt

OPENID_KEY = "wechat_openid"  # {"app_id": ..., "openid": ...}
PENDING_KEY = "wechat_oauth"  # {"state": ..., "order": ...}


def _account():
    account = account_for("wechat")
    if account is None or "app_secret" not in account.secrets:
        raise AppError("method_unavailable", _("Paying inside WeChat is not set up for this "
                                               "association."), field="method")
    return account


def oauth_available() -> bool:
    account = account_for("wechat")
    return account is not None and "app_secret" in account.secrets


def oauth_start(*, session, order_number: str) -> str:
    """The authorize URL to send the payer to; the state that must come back is kept in
    the session (a callback with another state is refused)."""
    from huiji.tenancy.current import current_association
    from tenants.services import association_url

    account = _account()
    state = secrets.token_urlsafe(16)
    session[PENDING_KEY] = {"state": state, "order": order_number}
    redirect_uri = association_url(current_association(),
                                   reverse("billing:wechat-oauth-callback"))
    return oauth_authorize_url(account.settings["app_id"], redirect_uri, state,
                               base=account.settings.get("gateway_url") or OAUTH_AUTHORIZE_BASE)


def oauth_finish(*, session, code: str, state: str) -> str:
    """Exchange the callback's code for the OpenID, keep it in the session; returns the
    number of the order the payer was paying."""
    pending = session.pop(PENDING_KEY, None)
    if not pending or not state or not hmac.compare_digest(str(pending["state"]), state):
        raise AppError("oauth_state", _("This WeChat authorisation does not belong to this "
                                        "session. Open the order and choose WeChat Pay "
                                        "again."))
    if not code:  # the payer declined
        raise AppError("oauth_declined", _("WeChat authorisation was not given."))
    account = _account()
    try:
        openid = oauth_openid(account.settings["app_id"], decrypt(account.secrets["app_secret"]),
                              code, base=account.settings.get("gateway_url") or OAUTH_API_BASE)
    except PaymentError as exc:
        raise AppError("gateway_error", _("WeChat did not confirm the authorisation. Please "
                                          "try again."), status=503) from exc
    session[OPENID_KEY] = {"app_id": account.settings["app_id"], "openid": openid}
    return pending["order"]


def session_openid(session) -> str:
    """The OpenID obtained in this session for the current official account, or ''."""
    kept = session.get(OPENID_KEY) or {}
    account = account_for("wechat")
    if account is None or kept.get("app_id") != account.settings.get("app_id"):
        return ""
    return str(kept.get("openid") or "")
