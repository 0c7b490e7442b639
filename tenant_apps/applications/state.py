"""The application's lifecycle: one table of allowed transitions, and where in the review
chain an application goes next.

The chain is the member type's review steps as frozen in the application's configuration
revision. Payment sits between the steps marked before_payment and those marked
after_payment; a free membership (fee 0) skips it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.applications.models import Status

# from -> the statuses it may move to. Anything else is an illegal transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.IN_REVIEW, Status.AWAITING_PAYMENT, Status.COMPLETED,
                             Status.WITHDRAWN}),
    Status.IN_REVIEW: frozenset({Status.IN_REVIEW, Status.AWAITING_PAYMENT, Status.COMPLETED,
                                 Status.RETURNED, Status.REJECTED, Status.WITHDRAWN}),
    Status.RETURNED: frozenset({Status.IN_REVIEW, Status.AWAITING_PAYMENT, Status.COMPLETED,
                                Status.WITHDRAWN}),
    Status.REJECTED: frozenset({Status.IN_REVIEW, Status.AWAITING_PAYMENT, Status.COMPLETED,
                                Status.WITHDRAWN}),
    Status.AWAITING_PAYMENT: frozenset({Status.PAYMENT_REVIEW, Status.IN_REVIEW,
                                        Status.COMPLETED, Status.WITHDRAWN}),
    Status.PAYMENT_REVIEW: frozenset({Status.AWAITING_PAYMENT, Status.IN_REVIEW,
                                      Status.COMPLETED}),
    Status.COMPLETED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED, Status.REJECTED})


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_transition", _(
            "This application cannot go from “%(current)s” to “%(target)s”.")
            % {"current": Status(current).label, "target": Status(target).label}, status=409)


@dataclass(frozen=True)
class Stop:
    """Where an application waits next: a status and, in review, the chain position."""

    status: str
    position: int | None


def next_stop(chain: list[dict], *, start: int, paid: bool, fee_due: bool) -> Stop:
    """The first place at or after chain position `start` where the application waits."""
    for position in range(start, len(chain)):
        if chain[position]["stage"] == "after_payment" and fee_due and not paid:
            return Stop(Status.AWAITING_PAYMENT, position)
        return Stop(Status.IN_REVIEW, position)
    if fee_due and not paid:
        return Stop(Status.AWAITING_PAYMENT, len(chain))
    return Stop(Status.COMPLETED, None)
