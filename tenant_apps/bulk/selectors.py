"""Which members a bulk action reaches: the member list's filters or a selection of member
numbers, always within the scope of the staff member (a branch administrator: the members of
the branches they administer). Read again by the task when it runs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import QueryDict

from tenant_apps.accounts.capabilities import ALL, scope
from tenant_apps.bulk.models import BulkJob

# The member list's URL parameters (/manage/members/, tenant_apps/directory) and the
# selection (`number`, repeated).
FILTERS = ("q", "type", "rank", "status", "branch", "interest", "region", "title", "school",
           "referral", "joined_from", "joined_to", "valid_from", "valid_to", "arrears", "sort")
SELECTION = "number"
CAPABILITY = "members.view"


def params_from(query: QueryDict) -> dict[str, list[str]]:
    """The filters and selection of a request, as a job keeps them ({param: [values]});
    anything else (page, csrf token, the form's own fields) is left out."""
    out = {}
    for key in (*FILTERS, SELECTION):
        values = [v for v in query.getlist(key) if v.strip()]
        if values:
            out[key] = values[:10000] if key == SELECTION else values[:1]
    return out


def query_of(params: dict[str, list[str]]) -> str:
    """The filters as a query string again (links back to the list, hidden form fields)."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    return query.urlencode()


def bulk_members(user, params: dict[str, list[str]]) -> QuerySet | None:
    """The member records `params` name, in `user`'s scope; None for staff who may not see
    member records at all. A selection (`number`) is still limited by the scope: a number
    outside it is simply not there."""
    held = scope(user, CAPABILITY)
    if held is None:
        return None
    from tenant_apps.records.models import MemberRecord

    records = MemberRecord.objects.all()
    if held != ALL:
        records = records.filter(branch__admins=user)
    if params.get(SELECTION):
        return records.filter(membership__number__in=params[SELECTION])
    return _filtered(records, {k: v[0] for k, v in params.items() if v})


def _filtered(records: QuerySet, p: dict[str, str]) -> QuerySet:
    """The member list's filters (the directory's own `member_search` where it is
    installed)."""
    import datetime as dt

    from django.db.models import Q

    from tenant_apps.memberships.models import Membership

    def day(key):
        try:
            return dt.date.fromisoformat(p[key]) if p.get(key) else None
        except ValueError:
            return None

    if p.get("type"):
        records = records.filter(membership__member_type__code=p["type"])
    if p.get("rank"):
        records = records.filter(membership__rank__code=p["rank"])
    if p.get("status"):
        records = records.filter(membership__status=p["status"])
    if p.get("branch"):
        records = records.filter(branch__code=p["branch"])
    if p.get("arrears") == "1":
        records = records.filter(membership__status__in=[Membership.Status.OVERDUE,
                                                         Membership.Status.SUSPENDED])
    for key, lookup in (("joined_from", "membership__valid_from__gte"),
                        ("joined_to", "membership__valid_from__lte"),
                        ("valid_from", "membership__valid_until__gte"),
                        ("valid_to", "membership__valid_until__lte")):
        if day(key):
            records = records.filter(**{lookup: day(key)})
    if p.get("q"):
        q = p["q"].strip()
        records = records.filter(Q(membership__number=q) | Q(membership__user__name=q)
                                 | Q(membership__user__phone=q))
    return records


def job_for(user, public_id) -> BulkJob | None:
    """A job, for the staff member who asked for it only (None, 404, for anyone else)."""
    if not user.is_authenticated:
        return None
    return BulkJob.objects.filter(public_id=public_id, requested_by=user).first()


def jobs_of(user, limit: int = 20) -> list[BulkJob]:
    return list(BulkJob.objects.filter(requested_by=user)[:limit])
