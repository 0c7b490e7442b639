from __future__ import annotations

from tenant_apps.billing.models import Order, OrderStatus, Voucher
from tenant_apps.billing.services import FINANCE_ROLES
from tenant_apps.configuration.models import Notice, PaymentAccount


def my_orders(user, *, status: str = "") -> list[Order]:
    rows = Order.objects.filter(payer=user).select_related("member_type", "rank")
    if status in OrderStatus.values:
        rows = rows.filter(status=status)
    return list(rows)


def my_order(user, number: str) -> Order | None:
    return Order.objects.filter(payer=user, number=number).select_related(
        "member_type", "rank", "application").first()


def bank_account() -> PaymentAccount | None:
    return PaymentAccount.objects.filter(kind=PaymentAccount.Kind.BANK).first()


def transfer_notice() -> Notice | None:
    return Notice.objects.filter(kind=Notice.Kind.BANK_TRANSFER).order_by("-version").first()


def voucher_queue(user) -> list[Voucher]:
    if not user.has_role(*FINANCE_ROLES):
        return []
    return list(Voucher.objects.filter(status=Voucher.Status.PENDING).select_related(
        "order", "order__payer", "order__member_type", "file").order_by("created_at"))


def voucher_for_finance(user, pk: int) -> Voucher | None:
    if not user.is_authenticated or not user.has_role(*FINANCE_ROLES):
        return None
    return Voucher.objects.filter(pk=pk).select_related("order", "order__payer", "file").first()
