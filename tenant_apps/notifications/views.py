from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.notifications.models import InboxMessage
from tenant_apps.notifications.services import inbox_mark_read


@login_required
def inbox(request):
    return render(request, "notifications/inbox.html", {
        "messages_list": InboxMessage.objects.filter(user=request.user)[:100]})


@require_POST
@login_required
def mark_read(request, pk):
    inbox_mark_read(user=request.user, message_id=pk)
    return redirect("messages:inbox")
