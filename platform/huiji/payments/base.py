from __future__ import annotations

from dataclasses import dataclass, field


class PaymentError(Exception):
    """The provider refused, answered something unverifiable, or could not be reached."""


class VerificationError(PaymentError):
    """A response or notification whose signature, merchant or content does not check."""


@dataclass(frozen=True)
class PaymentRequest:
    order_number: str
    amount_fen: int
    description: str
    notify_url: str
    scene: str  # wechat: native | h5 | jsapi ; alipay: precreate | page
    client_ip: str = "127.0.0.1"
    openid: str = ""
    return_url: str = ""


@dataclass(frozen=True)
class PaymentStart:
    kind: str  # qr | redirect | jsapi
    qr_code: str = ""
    redirect_url: str = ""
    jsapi: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    provider: str
    order_number: str
    transaction_id: str
    amount_fen: int
    merchant: str  # WeChat mchid / Alipay app_id
    paid: bool
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class QueryResult:
    state: str  # paid | pending | closed
    transaction_id: str = ""
    amount_fen: int = 0


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    state: str  # success | processing


class Gateway:
    provider = ""

    def start(self, request: PaymentRequest) -> PaymentStart:
        raise NotImplementedError

    def verify_notification(self, headers: dict, body: bytes) -> Notification:
        raise NotImplementedError

    def query(self, order_number: str) -> QueryResult:
        raise NotImplementedError

    def close(self, order_number: str) -> None:
        raise NotImplementedError

    def refund(self, order_number: str, refund_number: str, amount_fen: int,
               total_fen: int) -> RefundResult:
        raise NotImplementedError
