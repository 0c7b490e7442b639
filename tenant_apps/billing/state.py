"""Order statuses: one table of allowed transitions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.billing.models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.AWAITING_CONFIRMATION, S.PAID, S.CONFIRMED, S.CANCELLED,
                          S.EXPIRED}),
    S.AWAITING_CONFIRMATION: frozenset({S.PENDING, S.CONFIRMED}),
    S.PAID: frozenset({S.CONFIRMED, S.REFUNDED}),
    S.CONFIRMED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REFUNDED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_order_transition", _(
            "This order cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
