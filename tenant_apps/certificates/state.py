"""A certificate's moves: one table for its status, one for a paper certificate's making
(docs/certificates.md).

    issued ──> superseded (what it shows changed: a new one was issued)
       └─────> revoked    (the membership lapsed or was withdrawn, or staff revoked it)

    paper: to_make ──> printed ──> mailed (with a tracking number)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.certificates.models import Certificate

S = Certificate.Status
P = Certificate.Paper

TRANSITIONS: dict[str, frozenset[str]] = {
    S.ISSUED: frozenset({S.SUPERSEDED, S.REVOKED}),
    S.SUPERSEDED: frozenset(),
    S.REVOKED: frozenset(),
}

PAPER_TRANSITIONS: dict[str, frozenset[str]] = {
    P.TO_MAKE: frozenset({P.PRINTED}),
    P.PRINTED: frozenset({P.MAILED}),
    P.MAILED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_certificate_transition", _(
            "This certificate cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)


def check_paper_transition(current: str, target: str) -> None:
    if target not in PAPER_TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_paper_transition", _(
            "This paper certificate cannot go from “%(current)s” to “%(target)s”.")
            % {"current": P(current).label, "target": P(target).label}, status=409)
