"""Which of the features an association may switch off in its profile are on (公告动态,
会员名录, 供需对接, 企业投稿, 完善理事资料), read in ONE query and kept on the request.

Every member page shows the member menu, every staff page the staff navigation, the member
home its reminder, the portal home its 会员动态: each asks whether a feature is on. Asked
feature by feature that was a query each, on every page; here one SELECT answers all of them,
and the answer lives on the request object (never on a module or any shared object: a worker
thread serves many associations, and a profile may change between two requests).

A new switchable feature adds its columns to `_SQL` and a field to `Switches`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection


@dataclass(frozen=True)
class Switches:
    announcements: bool = False  # 公告动态 / 活动通告 is on
    announcements_title: str = ""  # the profile's word for them (活动通告), "" for the default
    roster: bool = False  # 会员名录 is published
    marketplace: dict = field(default_factory=dict)  # the profile's `marketplace:` as stored
    submissions: bool = False  # 企业投稿 is on
    submission_types: tuple[str, ...] = ()  # who may submit; empty: every member type
    # 完善理事资料: the active forms (code, title, member_types, ranks; not their steps),
    # as unsaved CouncilForm objects, so `applies_to` answers for a member without a query
    council_forms: tuple = ()


# Two scalar subqueries in one SELECT: exactly one row, whether or not the settings row or any
# form exists. The tables are those of SubmissionSettings and CouncilForm (the tests read
# through this query, so a renamed table fails them).
_SQL = (
    "SELECT (SELECT json_build_object('enabled', a.enabled, 'title', a.title)"
    " FROM announcements_announcementsettings a LIMIT 1),"
    " (SELECT r.enabled FROM roster_rostersettings r LIMIT 1),"
    " (SELECT c.marketplace::json FROM configuration_associationsettings c LIMIT 1),"
    " (SELECT json_build_object('enabled', s.enabled, 'member_types', s.member_types)"
    " FROM submissions_submissionsettings s LIMIT 1),"
    " (SELECT coalesce(json_agg(json_build_object('id', f.id, 'code', f.code,"
    " 'title', f.title, 'member_types', f.member_types, 'ranks', f.ranks)"
    " ORDER BY f.position, f.id), '[]'::json) FROM council_forms_councilform f WHERE f.active)")


def read_switches() -> Switches:
    """One query for every switch of the current association (the schema in use)."""
    from django_tenants.utils import get_public_schema_name

    from tenant_apps.council_forms.models import CouncilForm

    if connection.schema_name == get_public_schema_name():
        return Switches()  # the platform's own site: no association, no features
    with connection.cursor() as cursor:
        cursor.execute(_SQL)
        announcements, roster, marketplace, submissions, forms = cursor.fetchone()
    submissions, announcements = submissions or {}, announcements or {}
    return Switches(
        announcements=bool(announcements.get("enabled")),
        announcements_title=announcements.get("title") or "",
        roster=bool(roster),
        marketplace=marketplace or {},
        submissions=bool(submissions.get("enabled")),
        submission_types=tuple(submissions.get("member_types") or ()),
        council_forms=tuple(CouncilForm(id=f["id"], code=f["code"], title=f["title"],
                                        member_types=f["member_types"] or [],
                                        ranks=f["ranks"] or [], active=True)
                            for f in forms or ()))


def feature_switches(request=None) -> Switches:
    """The switches, read once per request (cached on it); without a request, read now."""
    if request is None:
        return read_switches()
    cached = getattr(request, "_feature_switches", None)
    if cached is None:
        cached = read_switches()
        request._feature_switches = cached
    return cached
