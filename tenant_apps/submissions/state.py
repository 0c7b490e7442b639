"""A submission's moves (docs/submissions.md).

    pending ──> published (approved: shown in 会员动态)
       └─────> rejected  (with a reason) ──> pending (the member sends a new document)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.submissions.models import Submission

S = Submission.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PUBLISHED, S.REJECTED}),
    S.PUBLISHED: frozenset(),
    S.REJECTED: frozenset({S.PENDING}),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_submission_transition", _(
            "This submission cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
