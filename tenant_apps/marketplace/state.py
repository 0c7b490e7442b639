"""A market post's moves: one table of actions, each from the statuses it may start in to
the status it leaves (docs/marketplace.md).

    待审核 ──approve──> 已发布 ──(valid-until passes)──> 已过期
      │ └──reject (reason)──> 未通过
      └──withdraw──> 已撤回 <──withdraw── 已发布 / 已过期 / 未通过
    edit:  待审核 / 已发布 / 已过期 / 未通过 ──> 待审核 (changed text is read again by staff)
    renew: 已发布 / 已过期 ──> 已发布 (a new valid-until day; the text is unchanged)

已过期 is never stored: it is a published post past its day (Post.shown_status), so the
checks below are asked of the status as shown."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from huiji.errors import AppError
from tenant_apps.marketplace.models import Post

S = Post.Status

# action -> (the statuses, as shown, it may start from; the stored status it leaves)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({S.PENDING}), S.PUBLISHED),
    "reject": (frozenset({S.PENDING}), S.REJECTED),
    "edit": (frozenset({S.PENDING, S.PUBLISHED, S.EXPIRED, S.REJECTED}), S.PENDING),
    "renew": (frozenset({S.PUBLISHED, S.EXPIRED}), S.PUBLISHED),
    "withdraw": (frozenset({S.PENDING, S.PUBLISHED, S.EXPIRED, S.REJECTED}), S.WITHDRAWN),
}


def allowed(post: Post, action: str) -> bool:
    return post.shown_status in TRANSITIONS[action][0]


def check_transition(post: Post, action: str) -> str:
    """The status `action` leaves `post` in, or 409 with the status it is in."""
    if not allowed(post, action):
        raise AppError("illegal_market_transition", _(
            "This post is “%(status)s”: it cannot be changed that way.")
            % {"status": post.shown_status_label}, status=409)
    return TRANSITIONS[action][1]
