from __future__ import annotations

from dataclasses import dataclass, field


class PaymentError(Exception):
    """The provider refused, answered something unverifiable, or could not be reached."""


class VerificationError(PaymentError):
    """A response or notification whose signature, merchant or content does not check."""


class ProviderError(PaymentError):
    """The provider answered with an error: its own code and message (and Alipay's sub_code
    and sub_msg), kept for staff and the logs. `verified` says whether the answer carried a
    signature that checked: an unsigned error answer (WeChat's 401 to a request it could not
    authenticate, Alipay's `error_response`) is reported as the provider's, but proves
    nothing about the platform key."""

    def __init__(self, provider: str, *, code: str = "", message: str = "",
                 sub_code: str = "", sub_msg: str = "", status: int = 0,
                 verified: bool = False) -> None:
        self.provider, self.code, self.message = provider, code or "", message or ""
        self.sub_code, self.sub_msg = sub_code or "", sub_msg or ""
        self.status, self.verified = status, verified
        parts = [p for p in (self.code, self.message, self.sub_code, self.sub_msg) if p]
        super().__init__(f"{provider} refused ({status or '-'}"
                         f"{'' if verified else ', unsigned'}): {' '.join(parts)}")

    @property
    def reason(self) -> str:
        """The most precise of the provider's codes and messages, for staff."""
        code = self.sub_code or self.code
        text = self.sub_msg or self.message
        return f"{code} {text}".strip()


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
