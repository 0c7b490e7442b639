"""Reads of the staff member page (/manage/members/<number>/): besides the record (selectors.
record_shown), the member's applications and change requests, orders with their receipts,
the messages sent to them, and the timeline of who did what (audit rows about the member and
the nightly job's moves). Every list is read a page at a time with a constant number of
queries, however many rows the member has (records/tests/test_member_page.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy, pgettext_lazy

PER_PAGE = 20

# The page's sections (tabs), in order: ?show=<key>. The record is the default.
SECTIONS = (
    ("record", gettext_lazy("Record")),
    ("applications", gettext_lazy("Applications and requests")),
    ("orders", gettext_lazy("Orders and receipts")),
    ("certificates", pgettext_lazy("member page", "Certificates")),
    ("messages", pgettext_lazy("member page", "Messages")),
    ("timeline", pgettext_lazy("member page", "Timeline")),
)


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number, and whether there are more."""

    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(value) -> int:
    """?page=: a positive number, anything else the first page (at most 500: no list of one
    member is that long)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 500)


def _page(rows_query, number: int, per_page: int = PER_PAGE) -> Page:
    """A page by LIMIT/OFFSET, one row more to know whether another page follows (no
    COUNT)."""
    start = (number - 1) * per_page
    rows = list(rows_query[start:start + per_page + 1])
    return Page(rows[:per_page], number, len(rows) > per_page)


# --- applications and change requests ------------------------------------------------------

def member_applications(membership, record) -> dict:
    """The member's applications (joining, level changes) and change requests, newest
    first, each with where it stands and the staff page that opens it. Three queries (a
    member has a handful: not paged)."""
    from tenant_apps.applications.models import Application, Status
    from tenant_apps.applications.selectors import status_label
    from tenant_apps.records.selectors import request_status_label

    applications = [{
        "kind": str(a.get_purpose_display()),
        "title": a.member_type.name + (f" · {a.rank.name}" if a.rank_id else ""),
        "at": a.submitted_at or a.created_at, "label": status_label(a),
        "public_id": a.public_id, "submitted": a.submitted_at is not None,
        "branch": a.branch.name if a.branch_id else ""}
        for a in Application.objects.filter(applicant_id=membership.user_id).exclude(
            status=Status.WITHDRAWN, submitted_at__isnull=True).select_related(
            "member_type", "rank", "revision", "branch").order_by("-created_at")]
    requests = [] if record is None else [{
        "kind": str(r.get_kind_display()), "at": r.created_at,
        "label": request_status_label(r), "public_id": r.public_id,
        "title": r.branch.name if r.branch_id else "", "reason": r.reason}
        for r in record.change_requests.select_related("branch").order_by("-created_at")]
    return {"applications": applications, "requests": requests}


# --- orders and receipts -------------------------------------------------------------------

def member_orders(membership, number: int) -> Page:
    """The member's orders (joining fee, renewals, level changes; paid online, by transfer
    or outside the platform), newest first, each with its receipt requests. Two queries a
    page."""
    from django.db.models import Prefetch

    from tenant_apps.billing.models import InvoiceRequest, Order

    orders = Order.objects.filter(
        Q(membership_id=membership.pk) | Q(payer_id=membership.user_id)).select_related(
        "member_type", "rank").prefetch_related(Prefetch(
            "invoices", queryset=InvoiceRequest.objects.select_related("receipt").order_by(
                "-created_at"))).order_by("-created_at", "-id")
    return _page(orders, number)


# --- messages ------------------------------------------------------------------------------

def member_messages(membership, number: int, *, viewer) -> Page:
    """The messages sent to the member (SMS, e-mail, inbox: the outbox), newest first, with
    their delivery and, for the inbox, whether read. A phone is masked as the record's is;
    a message that holds a one-time link (a login reset, an invitation) is not shown, only
    that it was sent. One query a page."""
    from tenant_apps.notifications.models import OutboxMessage
    from tenant_apps.notifications.selectors import message_shown

    page = _page(OutboxMessage.objects.filter(recipient_id=membership.user_id)
                 .select_related("inbox_message").order_by("-created_at", "-id"), number)
    rows = []
    for m in page.rows:
        inbox = getattr(m, "inbox_message", None)
        rows.append({
            **message_shown(m, viewer=viewer), "channel_code": m.channel,
            "status": str(m.get_status_display()), "status_code": m.status,
            "sent_at": m.sent_at, "read": bool(inbox and inbox.read_at)})
    return Page(rows, page.number, page.has_next)
