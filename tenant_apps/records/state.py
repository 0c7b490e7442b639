"""A change request's statuses: one table of allowed moves (docs/member-record.md).

    in_review ──> in_review (the next step's turn) ──> approved (applied at once)
        ├──> rejected (with the reason, shown to the member)
        └──> cancelled (the member takes the request back)
Decided requests stay as they are: a member asks again with a new request.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.records.models import ChangeRequest

S = ChangeRequest.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_REVIEW: frozenset({S.IN_REVIEW, S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("already_decided", _(
            "This request is already “%(current)s”; it cannot become “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
