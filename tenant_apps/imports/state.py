"""An import's statuses: one table of allowed moves (docs/imports.md).

    uploaded ──> checked ──> queued ──> running ──> done
       ^            │                      └──────> failed (a batch rolled back)
       └────────────┘ (mapped again)       queued ──> failed (the task could not start)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.imports.models import MemberImport

S = MemberImport.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.UPLOADED: frozenset({S.CHECKED}),
    S.CHECKED: frozenset({S.UPLOADED, S.CHECKED, S.QUEUED}),
    S.QUEUED: frozenset({S.RUNNING, S.FAILED}),
    S.RUNNING: frozenset({S.DONE, S.FAILED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_import_transition", _(
            "This import cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
