"""A deletion request's statuses: one table of allowed moves (docs/personal-data.md).

    submitted ──> done (the member's personal data anonymised)
        └──> rejected (with the reason, shown to the member)
Decided requests stay as they are: a member asks again with a new request.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.privacy.models import DeletionRequest

S = DeletionRequest.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.DONE, S.REJECTED}),
    S.DONE: frozenset(),
    S.REJECTED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("already_decided", _(
            "This request is already “%(current)s”; it cannot become “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
