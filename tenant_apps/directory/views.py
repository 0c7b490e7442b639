"""The staff member list `/manage/members/` (search, filters, counts, saved searches) over
`directory.selectors.member_search`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from tenant_apps.accounts.capabilities import ALL, scope
from tenant_apps.directory.params import SORT_LABELS, canonical_query
from tenant_apps.directory.selectors import member_search
from tenant_apps.directory.services import saved_search_create, saved_search_delete
from tenant_apps.memberships.models import Membership


def _refused(request):
    # the site's own 404 page, as the dashboard and the bulk pages answer: staff without the
    # member list have no member centre to be sent to
    return render(request, "404.html", status=404)


@login_required
def members(request):
    """The staff list of members (members.view: HQ all, branch administrators their
    branch's). Bad parameters: the message on the page, 400, and an empty list."""
    if scope(request.user, "members.view") is None:
        return _refused(request)
    return _list(request, request.GET)


@login_required
def saved_search(request, pk: int):
    """A saved search's own address: the list with its filters (the owner's only)."""
    from django.http import QueryDict

    from tenant_apps.directory.models import SavedSearch

    if scope(request.user, "members.view") is None:
        return _refused(request)
    saved = SavedSearch.objects.filter(owner=request.user, pk=pk).first()
    if saved is None:
        return _refused(request)
    params = QueryDict(saved.query, mutable=True)
    if request.GET.get("page"):
        params["page"] = request.GET["page"]
    return _list(request, params, current=saved)


def _list(request, params, current=None):
    from tenant_apps.directory.models import SavedSearch

    status, error, result = 200, "", None
    try:
        result = member_search(request.user, params)
    except AppError as exc:
        status, error = 400, exc.message
    saved = list(SavedSearch.objects.filter(owner=request.user))
    context = {"result": result, "error": error, "saved": saved, "current": current,
               "raw": params, "sorts": list(SORT_LABELS.items()),
               "hq_scope": scope(request.user, "members.view") == ALL}
    if result is not None:
        context.update(_links(result))
    else:
        # the form again with what was asked, so the one value at fault can be corrected
        from tenant_apps.directory.params import MULTI, SINGLE
        from tenant_apps.directory.selectors import _viewer_choices

        choices, _branch_ids = _viewer_choices(request.user)
        context.update(filters=_filters(choices), status_counts=[
            {"code": code, "label": label} for code, label in Membership.Status.choices],
            p={**{k: params.getlist(k) for k in MULTI},
               **{k: params.get(k, "") for k in SINGLE}})
    return render(request, "directory/members.html", context, status=status)


def _links(result) -> dict:
    """The list's links, each the canonical query string of what it shows."""
    params = result.params
    base = "?"
    types = [{**t, "href": base + canonical_query({}, type=t["code"]),
              "ranks": [{**r, "href": base + canonical_query({}, type=t["code"],
                                                               rank=r["code"])}
                        for r in t["ranks"]]}
             for t in result.counts.get("types", [])]
    statuses = [{**s, "href": base + canonical_query({}, status=s["code"])}
                for s in result.counts.get("statuses", [])]
    pages = {}
    if result.has_previous:
        pages["previous"] = base + canonical_query(params, page=result.page - 1)
    if result.has_next:
        pages["next"] = base + canonical_query(params, page=result.page + 1)
    return {"type_counts": types, "status_counts": statuses, "pages": pages,
            "filters": _filters(result.choices), "p": params, "query": result.query}


def _filters(choices) -> dict:
    """The filters' choices: only what the association configured."""
    return {
        "types": [(t.code, t.name) for t in choices.types],
        "ranks": list(dict.fromkeys((r.code, r.name) for r in choices.ranks())),
        "branches": [(b.code, b.name) for b in choices.branches],
        "interest": [(b.code, b.name) for b in choices.all_branches.values()]
        if choices.interest else [],
        "titles": choices.titles,
        "referrals": [(c.code, c.label) for c in choices.channels],
        "provinces": _provinces(),
    }


def _provinces() -> list[tuple[str, str]]:
    from tenant_apps.configuration.fieldtypes import regions

    return [(code, p["name"]) for code, p in regions().items()]


@login_required
@require_POST
def search_save(request):
    """Keep the list's current filters (the posted query string) under a name."""
    from django.http import QueryDict

    if scope(request.user, "members.view") is None:
        return _refused(request)
    query = request.POST.get("query", "")
    try:
        saved = saved_search_create(owner=request.user, name=request.POST.get("name", ""),
                                    params=QueryDict(query))
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect(f"/manage/members/?{canonical_query(QueryDict(query))}")
    messages.success(request, _("Search “%(name)s” saved.") % {"name": saved.name})
    return redirect(f"/manage/members/?{saved.query}")


@login_required
@require_POST
def search_delete(request, pk: int):
    if scope(request.user, "members.view") is None:
        return _refused(request)
    try:
        saved_search_delete(owner=request.user, pk=pk)
    except AppError:
        return _refused(request)
    messages.success(request, _("Saved search deleted."))
    return redirect("directory:members")
