"""Payment gateways: one interface, an adapter per provider, written with `requests` against
the providers' real protocols (WeChat Pay API v3, Alipay open API), and a local fake gateway
that speaks both for tests and the demo.

Each association has its own merchant accounts (tenant_apps.configuration.PaymentAccount);
`gateway_for(account)` builds the adapter with its decrypted keys.
"""

from __future__ import annotations

from huiji.payments.base import (
    Gateway,
    Notification,
    PaymentError,
    PaymentRequest,
    PaymentStart,
    ProviderError,
    QueryResult,
    RefundResult,
)

__all__ = ["Gateway", "Notification", "PaymentError", "PaymentRequest", "PaymentStart",
           "ProviderError", "QueryResult", "RefundResult"]
