"""The member centre's home: status, number, validity, next action, timeline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenant_apps.applications.models import Status
from tenant_apps.applications.selectors import (
    join_progress,
    joining_application,
    level_changes_of,
    status_label,
)
from tenant_apps.notifications.services import inbox_unread_count


@login_required
def home(request):
    from tenant_apps.billing.pricing import renewal_price

    application = joining_application(request.user)
    membership = getattr(request.user, "membership", None)
    changes = [{"application": a, "label": status_label(a)}
               for a in level_changes_of(request.user) if a.status != Status.WITHDRAWN][:3]
    return render(request, "memberships/home.html", {
        "application": application, "membership": membership,
        "label": status_label(application) if application else None,
        "progress": join_progress(application),
        "events": application.events.all() if application else [],
        # a free type has nothing to renew (and never shows arrears)
        "renewable": bool(membership and membership.member_type.year_options
                          and renewal_price(membership) > 0),
        "changes": changes, "unread": inbox_unread_count(request.user)})
