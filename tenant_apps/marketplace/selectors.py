"""Reads of market posts (docs/marketplace.md): the members' browse and search (published,
not expired; by kind, category, region and keyword, in SQL on the indexes of models.Post,
paged), one post for a viewer, the poster's own posts and the staff's moderation queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from tenant_apps.accounts.capabilities import can
from tenant_apps.marketplace.models import Post, PostImage

S = Post.Status
PAGE_SIZE = 20


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...]
    category: str = ""
    region: str = ""
    keyword: str = ""


def _with_cover(qs: QuerySet) -> QuerySet:
    # the first picture of each post, in one query for the page
    return qs.prefetch_related(Prefetch("images", queryset=PostImage.objects.select_related(
        "file").order_by("position", "id"), to_attr="pictures"))


def published(filters: Filters, *, page: int = 1) -> tuple[list[Post], bool]:
    """One page of the posts members see, newest first, and whether there is a next page
    (no count of every row: the next page is asked for one row more)."""
    qs = Post.objects.filter(status=S.PUBLISHED, kind__in=filters.kinds,
                             valid_until__gte=timezone.localdate())
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.region:
        qs = qs.filter(region=filters.region)
    for word in filters.keyword.lower().split()[:5]:
        # LIKE '%word%' on the lowercased text: the trigram index answers it
        qs = qs.filter(search_text__contains=word)
    start = (page - 1) * PAGE_SIZE
    rows = list(_with_cover(qs.order_by("-published_at", "-id"))[start:start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def post_for_viewer(user, public_id) -> Post | None:
    """The post if `user` may open it: published and current for members whose services
    are open; any of their own; any for staff who moderate. None (404) otherwise."""
    from tenant_apps.marketplace.services import may_post

    post = _with_cover(Post.objects.filter(public_id=public_id)).first()
    if post is None or not user.is_authenticated:
        return None
    if post.author_id == user.pk or can(user, "market.moderate"):
        return post
    if post.shown_status == S.PUBLISHED and may_post(user):
        return post
    return None


def own_post(user, public_id) -> Post | None:
    return _with_cover(Post.objects.filter(public_id=public_id, author_id=user.pk)).first() \
        if user.is_authenticated else None


def posts_of(user) -> list[Post]:
    return list(_with_cover(Post.objects.filter(author=user).order_by("-created_at", "-id")))


def queue(status: str, *, page: int = 1) -> tuple[list[Post], bool, int]:
    """The moderation queue: posts of one stored status, oldest submitted first for
    待审核, newest first otherwise; with the number waiting."""
    qs = Post.objects.filter(status=status).select_related("author")
    qs = qs.order_by("submitted_at", "id") if status == S.PENDING \
        else qs.order_by("-submitted_at", "-id")
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start:start + PAGE_SIZE + 1])
    waiting = Post.objects.filter(status=S.PENDING).count()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, waiting


def contact_shown(post: Post, user) -> bool:
    """The poster's phone and e-mail: only where they agreed, and only to members of this
    association whose services are open (and to the poster and moderating staff)."""
    from tenant_apps.marketplace.services import may_post

    if post.author_id == user.pk or can(user, "market.moderate"):
        return True
    return post.show_contact and may_post(user)


