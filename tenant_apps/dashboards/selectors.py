"""The dashboard as a person reads it: the summary rows of the viewer's scope added up, and
every figure with the list behind it (the member directory `/manage/members/` with its
filters; the review queue or the finance pages where no member list applies).

`dashboard_for(user)` answers a fixed number of queries however many members there are:
the summary rows of the scope, member types, branches.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tenant_apps.accounts.capabilities import ALL as ALL_SCOPE
from tenant_apps.accounts.capabilities import can, scope
from tenant_apps.dashboards.figures import ENDING_DAYS, YEARS, month_bounds, months_back
from tenant_apps.dashboards.models import ALL, DashboardSnapshot

MEMBERS_URL = "/manage/members/"
CAPABILITY = "members.view"  # the dashboard shows members: whoever may open their records


def members_link(**params) -> str:
    """The member list with these filters, in the directory's canonical form."""
    from tenant_apps.directory.params import canonical_query

    query = canonical_query({k: str(v) for k, v in params.items() if v != ""})
    return f"{MEMBERS_URL}?{query}" if query else MEMBERS_URL


def _merge(into: dict, other: dict) -> dict:
    for key, value in other.items():
        if isinstance(value, dict):
            _merge(into.setdefault(key, {}), value)
        else:
            into[key] = into.get(key, 0) + value
    return into


def snapshots_of(user) -> list[DashboardSnapshot] | None:
    """The summary rows the viewer may read: the whole association's, or (branch
    administrators) those of the branches they administer. None: not for this viewer."""
    held = scope(user, CAPABILITY)
    if held is None:
        return None
    rows = DashboardSnapshot.objects.select_related("branch")
    if held == ALL_SCOPE:
        return list(rows.filter(scope=ALL))
    return list(rows.filter(branch__admins=user).order_by("branch__position", "branch_id"))


def _cell(value, href: str | None = None, *, money: bool = False) -> dict:
    return {"value": value, "href": href, "money": money}


def dashboard_for(user) -> dict | None:
    """Everything `/manage/dashboard/` shows, or None (404) for a viewer without
    `members.view`. `tables` are the charts' data, each a list of rows of cells {value,
    href, money}; the page draws them, tabulates them and offers each as Excel."""
    from tenant_apps.billing.models import PaymentMethod
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.models import Membership

    rows = snapshots_of(user)
    if rows is None:
        return None
    figures: dict = {}
    for row in rows:
        _merge(figures, row.figures)
    fresh = [r for r in rows if r.figures or r.scope != ALL] or rows
    as_of = max((r.as_of for r in fresh), default=None)
    refreshed_at = max((r.refreshed_at for r in fresh), default=None)
    today = as_of or dt.date.today()
    types = list(MemberType.objects.values("pk", "code", "name").order_by("position", "pk"))
    finance = can(user, "finance.manage")
    statuses = list(Membership.Status.choices)
    tables: dict[str, dict] = {}

    # Members by type and status.
    members = figures.get("members", {})
    body = []
    totals = {s: 0 for s, _label in statuses}
    for t in types:
        counts = members.get(str(t["pk"]), {})
        if not counts:
            continue
        cells = [_cell(t["name"], members_link(type=t["code"]))]
        for status, _label in statuses:
            n = counts.get(status, 0)
            totals[status] += n
            cells.append(_cell(n, members_link(type=t["code"], status=status)))
        cells.append(_cell(sum(counts.values()), members_link(type=t["code"])))
        body.append(cells)
    body.append([_cell(pgettext("dashboard", "Total"), members_link())]
                + [_cell(totals[s], members_link(status=s)) for s, _label in statuses]
                + [_cell(sum(totals.values()), members_link())])
    tables["members"] = {"title": _("Members by type and status"), "chart": "stack",
                         "columns": [_("Member type"), *[str(label) for _s, label in statuses],
                                     pgettext("dashboard", "Total")], "rows": body}

    # Joins and lapses per month.
    body = []
    for key in months_back(today):
        first, last = month_bounds(key)
        body.append([_cell(key),
                     _cell(figures.get("joins", {}).get(key, 0), members_link(
                         joined_from=first.isoformat(), joined_to=last.isoformat())),
                     _cell(figures.get("lapses", {}).get(key, 0), members_link(
                         status=Membership.Status.LAPSED, valid_from=first.isoformat(),
                         valid_to=last.isoformat()))])
    tables["months"] = {"title": _("Joins and lapses per month"), "chart": "bar",
                        "columns": [_("Month"), pgettext("dashboard", "Joined"),
                                    pgettext("dashboard", "Lapsed")], "rows": body}

    # The join funnel and where applicants stall.
    funnel = figures.get("funnel", {})
    queue = "/review/"
    body = [[_cell(pgettext("join funnel", "Started")), _cell(funnel.get("started", 0))],
            [_cell(pgettext("join funnel", "Submitted")), _cell(funnel.get("submitted", 0), queue)],
            [_cell(pgettext("join funnel", "Approved")), _cell(funnel.get("approved", 0))],
            [_cell(pgettext("join funnel", "Paid")), _cell(funnel.get("paid", 0),
                                     "/finance/orders/?status=confirmed" if finance else None)],
            [_cell(pgettext("join funnel", "Member")), _cell(funnel.get("member", 0))]]
    tables["funnel"] = {"title": _("Join funnel"), "chart": "hbar",
                        "columns": [_("Stage"), _("Applications")], "rows": body}
    labels = {"draft": (_("Filling in the forms"), None),
              "returned": (_("Returned for correction"), None),
              "awaiting_payment": (_("Awaiting payment"),
                                   "/finance/orders/?status=pending" if finance else None),
              "payment_review": (_("Payment being confirmed"),
                                 "/finance/vouchers/" if finance else None)}
    body = []
    for key, n in sorted(figures.get("stalls", {}).items(), key=lambda kv: -kv[1]):
        if key.startswith("step:"):
            label, href = _("Waiting for %(step)s") % {"step": key[5:]}, queue
        else:
            label, href = labels.get(key, (key, None))
        body.append([_cell(str(label)), _cell(n, href)])
    tables["stalls"] = {"title": _("Where applicants stall"), "chart": "hbar",
                        "columns": [_("Waiting at"), _("Applications")], "rows": body}

    # Revenue by month, member type and method (integer fen, shown in yuan).
    orders_link = "/finance/orders/?status=confirmed" if finance else None
    body = []
    for key in months_back(today):
        body.append([_cell(key), _cell(figures.get("orders_month", {}).get(key, 0)),
                     _cell(figures.get("revenue_month", {}).get(key, 0),
                           f"/finance/revenue/?year={key[:4]}" if finance else None,
                           money=True)])
    tables["revenue_month"] = {"title": _("Revenue by month"), "chart": "bar", "money": True,
                               "columns": [_("Month"), _("Number of orders"), _("Amount (yuan)")],
                               "rows": body}
    names = {str(t["pk"]): t["name"] for t in types}
    body = [[_cell(names.get(k, k)), _cell(v, orders_link, money=True)]
            for k, v in sorted(figures.get("revenue_type", {}).items(), key=lambda kv: -kv[1])]
    tables["revenue_type"] = {"title": _("Revenue by member type"), "chart": "pie",
                              "money": True, "columns": [_("Member type"), _("Amount (yuan)")],
                              "rows": body}
    methods = dict(PaymentMethod.choices)
    body = [[_cell(str(methods.get(k, "—"))),
             _cell(figures.get("orders_method", {}).get(k, 0)),
             _cell(v, orders_link, money=True)]
            for k, v in sorted(figures.get("revenue_method", {}).items(),
                               key=lambda kv: -kv[1])]
    tables["revenue_method"] = {"title": _("Revenue by method"), "chart": "pie",
                                "money": True,
                                "columns": [_("Payment method"), _("Number of orders"),
                                            _("Amount (yuan)")], "rows": body}

    # Renewal rate and attrition by year.
    body = []
    for year in range(today.year - YEARS + 1, today.year + 1):
        r = figures.get("renewal", {}).get(str(year), {})
        a = figures.get("attrition", {}).get(str(year), {})
        due, renewed = r.get("due", 0), r.get("renewed", 0)
        body.append([_cell(str(year)), _cell(due), _cell(renewed),
                     _cell(f"{renewed * 100 / due:.1f}%" if due else "—"),
                     _cell(a.get(Membership.Status.LAPSED, 0)),
                     _cell(a.get(Membership.Status.WITHDRAWN, 0))])
    tables["renewal"] = {"title": _("Renewal and attrition by year"), "chart": "bar",
                         "columns": [_("Year"), _("Validity ended"), _("Renewed"),
                                     _("Renewal rate"), pgettext("dashboard", "Lapsed"),
                                     pgettext("dashboard", "Withdrawn")],
                         "rows": body}

    ending = figures.get("ending", {})
    tiles = [{"label": _("Members in force"), "value": totals[Membership.Status.ACTIVE],
              "href": members_link(status=Membership.Status.ACTIVE)},
             {"label": _("In arrears"), "value": figures.get("arrears", 0),
              "href": members_link(arrears=1)}]
    for days in ENDING_DAYS:
        tiles.append({"label": _("Ending in the next %(days)s days") % {"days": days},
                      "value": ending.get(str(days), 0),
                      "href": members_link(status=Membership.Status.ACTIVE,
                                           valid_from=today.isoformat(),
                                           valid_to=(today + dt.timedelta(days=days))
                                           .isoformat())})
    branches = [r.branch.name for r in rows if r.branch_id]
    for table in tables.values():  # each cell names its column (a phone shows it beside)
        for row in table["rows"]:
            for cell, column in zip(row, table["columns"], strict=False):
                cell["label"] = str(column)
    return {"tables": tables, "tiles": tiles, "as_of": as_of, "refreshed_at": refreshed_at,
            "branches": branches, "empty": not rows}


CHARTS = ("members", "months", "funnel", "stalls", "revenue_month", "revenue_type",
          "revenue_method", "renewal")


def chart_data(tables: dict) -> dict:
    """What the chart script draws (the page's JSON block): per chart its kind, the
    categories (first column), and a series per numeric column with each point's link."""
    out = {}
    for key, table in tables.items():
        series = []
        for i, name in enumerate(table["columns"][1:], start=1):
            cells = [row[i] for row in table["rows"]]
            if not all(isinstance(c["value"], int) for c in cells):
                continue
            series.append({"name": name, "money": any(c["money"] for c in cells),
                           "data": [c["value"] / 100 if c["money"] else c["value"]
                                    for c in cells],
                           "links": [c["href"] or "" for c in cells]})
        if table.get("money"):  # amounts only: a count beside them would share their axis
            series = [s for s in series if s["money"]]
        rows = table["rows"]
        if table["chart"] == "stack":  # leave out the total row and column
            rows = rows[:-1]
            series = [dict(s, data=s["data"][:-1], links=s["links"][:-1]) for s in series[:-1]]
        out[key] = {"kind": table["chart"], "title": table["title"],
                    "categories": [str(r[0]["value"]) for r in rows], "series": series}
    return out


def table_xlsx(table: dict) -> bytes:
    """One chart's table as an Excel workbook (amounts in yuan)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = str(table["title"])[:31]
    sheet.append([str(c) for c in table["columns"]])
    for row in table["rows"]:
        sheet.append([c["value"] / 100 if c["money"] else c["value"] for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
