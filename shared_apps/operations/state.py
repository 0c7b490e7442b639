"""The statuses of an association export and the moves between them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from shared_apps.operations.models import ExportStatus as S

TRANSITIONS: dict[str, set[str]] = {
    S.QUEUED: {S.RUNNING, S.FAILED},
    S.RUNNING: {S.DONE, S.FAILED},
    S.DONE: {S.DELETED},  # the archive removed from storage; the row stays as a record
    S.FAILED: set(),
    S.DELETED: set(),
}


def check_transition(before: str, after: str) -> None:
    if after not in TRANSITIONS.get(before, set()):
        raise AppError("illegal_export_transition",
                       _("This export cannot change from %(before)s to %(after)s.")
                       % {"before": S(before).label, "after": S(after).label}, status=409)
