"""The member centre's home: status, number, validity, next action, timeline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.selectors import status_label
from tenant_apps.notifications.services import inbox_unread_count


@login_required
def home(request):
    application = Application.objects.filter(applicant=request.user).exclude(
        status=Status.WITHDRAWN).select_related("member_type", "revision", "rank").first()
    membership = getattr(request.user, "membership", None)
    return render(request, "memberships/home.html", {
        "application": application, "membership": membership,
        "label": status_label(application) if application else None,
        "events": application.events.all() if application else [],
        "unread": inbox_unread_count(request.user)})
