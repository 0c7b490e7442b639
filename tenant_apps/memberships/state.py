"""A membership's statuses: one table of allowed moves (docs/lifecycle.md).

    active ──> overdue (grace) ──> suspended (services stopped) ──> lapsed
       │  └──────────┴──────────────────┴──────> (the job may skip steps it missed)
       └── any status in force ──> withdrawn (退会: by the member or by staff)
    overdue / suspended ──> active: renewal (reinstatement)
    lapsed ──> active: paying the arrears (补缴) or joining again, as the type says
    withdrawn ──> active: joining again by a new application (a new member number)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.memberships.models import Membership

S = Membership.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.ACTIVE: frozenset({S.OVERDUE, S.SUSPENDED, S.LAPSED, S.WITHDRAWN}),
    S.OVERDUE: frozenset({S.ACTIVE, S.SUSPENDED, S.LAPSED, S.WITHDRAWN}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.LAPSED, S.WITHDRAWN}),
    S.LAPSED: frozenset({S.ACTIVE}),
    S.WITHDRAWN: frozenset({S.ACTIVE}),
}

# The statuses the nightly job moves on, by the dates alone, and where to.
BY_DATES: dict[str, frozenset[str]] = {
    S.ACTIVE: frozenset({S.OVERDUE, S.SUSPENDED, S.LAPSED}),
    S.OVERDUE: frozenset({S.SUSPENDED, S.LAPSED}),
    S.SUSPENDED: frozenset({S.LAPSED}),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_membership_transition", _(
            "This membership cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
