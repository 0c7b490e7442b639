"""An announcement's moves (docs/announcements.md):

    draft ──> scheduled (publish time later) ──> published (the time came) ──> withdrawn
      └─────> published (publish time now or past) ─────────────────────────┘
    scheduled ──> draft (taken back before it shows) or withdrawn
    withdrawn ──> draft (to edit and publish again)

A scheduled announcement shows from its publish time without any job running: readers ask
`publish_at <= now` (selectors.live); `effective_status` names it published from then on."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.announcements.models import Announcement

S = Announcement.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SCHEDULED, S.PUBLISHED}),
    S.SCHEDULED: frozenset({S.PUBLISHED, S.DRAFT, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.WITHDRAWN}),
    S.WITHDRAWN: frozenset({S.DRAFT}),
}


def effective_status(announcement: Announcement, now=None) -> str:
    now = now or timezone.now()
    if announcement.status == S.SCHEDULED and announcement.publish_at \
            and announcement.publish_at <= now:
        return S.PUBLISHED
    return announcement.status


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise AppError("illegal_announcement_transition", _(
            "This announcement cannot go from “%(current)s” to “%(target)s”.")
            % {"current": S(current).label, "target": S(target).label}, status=409)
