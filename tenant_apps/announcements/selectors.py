"""Who reads which announcement (docs/announcements.md). Everything is filtered in SQL: the
audience is compared with the reader's member type, rank and branch codes (read once per
request), never row by row in Python; a page costs the same queries for 3 rows and 300."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from tenant_apps.accounts.capabilities import ALL, scope
from tenant_apps.announcements.models import (
    Announcement,
    AnnouncementRead,
    AnnouncementSettings,
)

S = Announcement.Status
PAGE_SIZE = 20
PANEL_SIZE = 5
# Members who read the members' announcements: not those who left or lapsed.
READING_STATUSES = ("active", "overdue", "suspended")
CAPABILITY = "announcements.publish"


def settings_row() -> AnnouncementSettings:
    return AnnouncementSettings.objects.first() or AnnouncementSettings()


def enabled(request=None) -> bool:
    """Whether the profile has announcements on (configuration/switches.py: one query for
    every feature switch, once per request)."""
    from tenant_apps.configuration.switches import feature_switches

    return feature_switches(request).announcements


def heading(request=None) -> str:
    """The association's word for them (活动通告), else 公告动态."""
    from django.utils.translation import gettext

    from tenant_apps.configuration.switches import feature_switches

    return feature_switches(request).announcements_title or gettext("Announcements")


@dataclass(frozen=True)
class Reader:
    """What the audience is compared with: the viewer's account and, for a current member,
    their member type, rank and branch codes."""

    user_id: int | None = None
    member: bool = False
    type_code: str = ""
    rank_code: str = ""
    branch_code: str = ""


def reader_of(user) -> Reader:
    """One query: the viewer's membership with its type, rank and record's branch."""
    if user is None or not user.is_authenticated:
        return Reader()
    from tenant_apps.memberships.models import Membership

    row = Membership.objects.filter(user_id=user.pk, status__in=READING_STATUSES).values(
        "member_type__code", "rank__code", "record__branch__code").first()
    if row is None:
        return Reader(user_id=user.pk)
    return Reader(user_id=user.pk, member=True, type_code=row["member_type__code"] or "",
                  rank_code=row["rank__code"] or "", branch_code=row["record__branch__code"]
                  or "")


def live(now=None) -> QuerySet:
    """Announcements showing now: published, or scheduled whose time has come."""
    return Announcement.objects.filter(status__in=(S.PUBLISHED, S.SCHEDULED),
                                       publish_at__lte=now or timezone.now())


def next_scheduled(now=None):
    """When the next scheduled public announcement goes live (None: none is waiting): a
    cached public page holds no longer than that (huiji/pagecache.py)."""
    return Announcement.objects.filter(
        status=S.SCHEDULED, audience=Announcement.Audience.PUBLIC,
        publish_at__gt=now or timezone.now()).aggregate(first=Min("publish_at"))["first"]


def _matches(column: str, code: str) -> Q:
    """Any (empty list) or naming `code`."""
    q = Q(**{column: []})
    if code:
        q |= Q(**{f"{column}__contains": [code]})
    return q


def audience_q(reader: Reader) -> Q:
    q = Q(audience=Announcement.Audience.PUBLIC)
    if reader.member:
        q |= Q(audience=Announcement.Audience.MEMBERS) \
            & _matches("member_types", reader.type_code) & _matches("ranks", reader.rank_code) \
            & _matches("branches", reader.branch_code)
    return q


def readable(reader: Reader, *, public_only: bool = False) -> QuerySet:
    rows = live().filter(Q(audience=Announcement.Audience.PUBLIC) if public_only
                         else audience_q(reader))
    if reader.user_id:
        rows = rows.annotate(read=Exists(AnnouncementRead.objects.filter(
            announcement=OuterRef("pk"), user_id=reader.user_id)))
    return rows


@dataclass
class Page:
    rows: list = field(default_factory=list)
    count: int = 0
    page: int = 1
    pages: int = 1

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paged(rows: QuerySet, page: int, size: int = PAGE_SIZE) -> Page:
    count = rows.count()
    pages = max(1, math.ceil(count / size))
    page = min(max(page, 1), pages)
    return Page(list(rows[(page - 1) * size:page * size]), count, page, pages)


def reader_page(reader: Reader, page: int) -> Page:
    return paged(readable(reader), page)


def panel(reader: Reader, *, public_only: bool = False) -> list[Announcement]:
    """The latest few for a home page (pinned first)."""
    return list(readable(reader, public_only=public_only)[:PANEL_SIZE])


def readable_one(reader: Reader, public_id) -> Announcement | None:
    return readable(reader).filter(public_id=public_id).prefetch_related(
        "attachments__file").first()


# --- staff ---------------------------------------------------------------------------------------

def administered_codes(user) -> list[str]:
    return list(user.administered_branches.values_list("code", flat=True))


def staff_rows(user) -> QuerySet:
    """What `user` may manage: all (HQ administrators), or those addressed only to branches
    they administer (branch administrators), else none."""
    held = scope(user, CAPABILITY)
    if held is None:
        return Announcement.objects.none()
    rows = Announcement.objects.all()
    if held != ALL:
        rows = rows.filter(branches__contained_by=administered_codes(user)) \
            .exclude(branches=[])
    return rows


def staff_page(user, page: int) -> Page:
    return paged(staff_rows(user).order_by("-updated_at", "-id"), page)


def for_staff(user, public_id) -> Announcement | None:
    return staff_rows(user).filter(public_id=public_id).prefetch_related(
        "attachments__file").first()


def choices() -> dict:
    """What an audience may name: the association's member types (with their ranks) and
    branches (three queries)."""
    from tenant_apps.configuration.models import Branch, MemberType, Rank

    return {"types": list(MemberType.objects.filter(active=True).values_list("code", "name")),
            "ranks": list(Rank.objects.filter(member_type__active=True).order_by(
                "member_type__position", "position").values_list(
                "code", "member_type__name", "name")),
            "branches": list(Branch.objects.filter(active=True).values_list("code", "name"))}
