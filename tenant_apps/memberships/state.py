"""A membership's statuses: one table of allowed moves (docs/lifecycle.md).

    active ──> overdue (grace) ──> suspended (services stopped) ──> lapsed
       │  └──────────┴──────────────────┴──────> (the job may skip steps it missed)
       └── any status in force ──> withdrawn (退会: by the member or by staff)
    overdue / suspended ──> active: renewal (reinstatement)
    lapsed ──> active: paying the arrears (补缴) or joining again, as the type says
    withdrawn ──> active: joining again by a new application (a new member number)

Staff move a member by hand on the member page (`BY_STAFF`): suspend one in force
(active or in grace), and reinstate a suspended one to the status its dates give (active, or
overdue when its validity has ended: `rules.status_by_dates`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.memberships.models import Membership

S = Membership.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.ACTIVE: frozenset({S.OVERDUE, S.SUSPENDED, S.LAPSED, S.WITHDRAWN}),
    S.OVERDUE: frozenset({S.ACTIVE, S.SUSPENDED, S.LAPSED, S.WITHDRAWN}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.OVERDUE, S.LAPSED, S.WITHDRAWN}),
    S.LAPSED: frozenset({S.ACTIVE}),
    S.WITHDRAWN: frozenset({S.ACTIVE}),
}

# The statuses the nightly job moves on, by the dates alone, and where to.
BY_DATES: dict[str, frozenset[str]] = {
    S.ACTIVE: frozenset({S.OVERDUE, S.SUSPENDED, S.LAPSED}),
    S.OVERDUE: frozenset({S.SUSPENDED, S.LAPSED}),
    S.SUSPENDED: frozenset({S.LAPSED}),
}


# What staff do by hand (memberships.services membership_suspend / membership_reinstate):
# action -> {from: the statuses it may move to}. Every move is one of TRANSITIONS too.
BY_STAFF: dict[str, dict[str, frozenset[str]]] = {
    "suspend": {S.ACTIVE: frozenset({S.SUSPENDED}), S.OVERDUE: frozenset({S.SUSPENDED})},
    "reinstate": {S.SUSPENDED: frozenset({S.ACTIVE, S.OVERDUE})},
}


def check_staff_move(action: str, current: str, target: str) -> None:
    """Refuse (409, in words) a move staff may not make by hand."""
    if target in BY_STAFF[action].get(current, frozenset()):
        check_transition(current, target)
        return
    if action == "suspend":
        raise AppError("not_suspendable", _(
            "Only a membership in force can be suspended; this one is “%(current)s”.")
            % {"current": S(current).label}, status=409)
    if current != S.SUSPENDED:
        raise AppError("not_suspended", _(
            "Only a suspended membership can be reinstated; this one is “%(current)s”.")
            % {"current": S(current).label}, status=409)
    raise AppError("dates_say_otherwise", _(
        "By its dates this membership is “%(target)s” (unpaid): it comes back in force when "
        "the arrears are paid, not by reinstating it.") % {"target": S(target).label},
        status=409)


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_membership_transition", _(
            "This membership cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
