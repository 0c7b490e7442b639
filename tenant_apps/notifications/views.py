from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from huiji.errors import AppError
from huiji.forms import PageForm, parsed
from tenant_apps.accounts.capabilities import capability_required
from tenant_apps.configuration.models import MessageChannel, MessageEvent
from tenant_apps.notifications.models import InboxMessage
from tenant_apps.notifications.selectors import failed_messages
from tenant_apps.notifications.services import inbox_mark_read, outbox_retry


@login_required
def inbox(request):
    return render(request, "notifications/inbox.html", {
        "messages_list": InboxMessage.objects.filter(user=request.user)[:100]})


@require_POST
@login_required
def mark_read(request, pk):
    inbox_mark_read(user=request.user, message_id=pk)
    return redirect("messages:inbox")


def _filters(data) -> dict:
    """The list's filter as given, each kept only when it names a channel or event."""
    channel = data.get("channel", "")
    event = data.get("event", "")
    return {"channel": channel if channel in MessageChannel.values else "",
            "event": event if event in MessageEvent.values else ""}


@capability_required("messages.retry", template="404.html")
def failed(request):
    """发送失败: the messages whose every attempt failed, with the last error, filtered by
    channel and event; each can be sent again, or all of the filter at once."""
    f = _filters(request.GET)
    status = 200
    try:
        page = parsed(PageForm, request.GET)["page"] or 1
    except AppError as exc:
        messages.error(request, str(exc.message))
        page, status = 1, 400
    found = failed_messages(viewer=request.user, page=page, **f)
    return render(request, "notifications/failed.html", {
        "found": found, "f": f, "query": urlencode({k: v for k, v in f.items() if v}),
        "channels": MessageChannel.choices, "events": MessageEvent.choices}, status=status)


@require_POST
@capability_required("messages.retry", template="404.html")
def retry(request):
    """单条重试 (`id`) or 全部重试 (`all`, with the list's filter)."""
    f = _filters(request.POST)
    if request.POST.get("all"):
        count = outbox_retry(actor=request.user, **f)
    else:
        try:
            pk = int(request.POST.get("id", ""))
        except ValueError:
            messages.error(request, _("Choose a message to send again."))
            return redirect("messages:failed")
        count = outbox_retry(actor=request.user, ids=[pk])
    if count:
        messages.success(request, ngettext(
            "%(n)d message is being sent again.", "%(n)d messages are being sent again.",
            count) % {"n": count})
    else:
        messages.info(request, _("Nothing to send again: the message is no longer failed."))
    query = urlencode({k: v for k, v in f.items() if v})
    return redirect(reverse("messages:failed") + (f"?{query}" if query else ""))
