"""Which members a bulk action reaches: the member list's filters or a selection of member
numbers, always within the scope of the staff member (a branch administrator: the members of
the branches they administer). Read again by the task when it runs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import QueryDict

from tenant_apps.accounts.capabilities import scope
from tenant_apps.bulk.models import BulkJob

# The member list's URL parameters (/manage/members/, tenant_apps/directory/params.py) and
# the selection: member numbers (`number`, the member page's one member) or the directory's
# checkboxes (`membership`, membership ids), repeated.
SELECTIONS = ("number", "membership")
SELECTION = "number"
CAPABILITY = "members.view"


def params_from(query: QueryDict) -> dict[str, list[str]]:
    """The filters and selection of a request, as a job keeps them ({param: [values]});
    anything else (page, csrf token, the form's own fields) is left out."""
    from tenant_apps.directory.params import KEYS, MULTI

    out = {}
    for key in (*KEYS, *SELECTIONS):
        if key == "page":
            continue
        values = [v.strip() for v in query.getlist(key) if v.strip()]
        if values:
            out[key] = values[:10000] if key in (*SELECTIONS, *MULTI) else values[-1:]
    return out


def selection_of(params: dict) -> list[str] | None:
    for key in SELECTIONS:
        if key in params:
            return params[key]
    return None


def query_of(params: dict[str, list[str]]) -> str:
    """The filters as a query string again (links back to the list, hidden form fields)."""
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    return query.urlencode()


def bulk_members(user, params: dict[str, list[str]]) -> QuerySet | None:
    """The member records `params` name, in `user`'s scope (the directory's
    `scoped_entries`/`search_entries`: a branch administrator exactly the members of the
    branches they administer); None for staff who may not see member records. A selection
    is still limited by the scope: a member outside it is simply not there. A filter that
    does not parse is AppError (400), from the directory's own parser."""
    if scope(user, CAPABILITY) is None:
        return None
    from tenant_apps.directory.selectors import scoped_entries, search_entries
    from tenant_apps.records.models import MemberRecord

    if params.get("number"):
        entries = scoped_entries(user).filter(number__in=params["number"])
    elif params.get("membership"):
        ids = [int(v) for v in params["membership"] if v.isdigit()]
        entries = scoped_entries(user).filter(membership_id__in=ids)
    else:
        entries = search_entries(user, {k: v for k, v in params.items()
                                        if k not in SELECTIONS})
    return MemberRecord.objects.filter(
        membership_id__in=entries.order_by().values("membership_id"))


def job_for(user, public_id) -> BulkJob | None:
    """A job, for the staff member who asked for it only (None, 404, for anyone else)."""
    if not user.is_authenticated:
        return None
    return BulkJob.objects.filter(public_id=public_id, requested_by=user).first()


def jobs_of(user, limit: int = 20) -> list[BulkJob]:
    return list(BulkJob.objects.filter(requested_by=user)[:limit])
