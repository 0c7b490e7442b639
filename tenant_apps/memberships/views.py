"""The member centre's home: status, number, validity, next action, timeline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.applications.models import Status
from tenant_apps.applications.selectors import (
    join_progress,
    joining_application,
    level_changes_of,
    receipt_order,
    reviewed_before_payment,
    status_label,
)
from tenant_apps.applications.services import application_welcome_shown, may_join_again
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.rules import access


@login_required
def home(request):
    from tenant_apps.memberships.menu import centre_state
    from tenant_apps.memberships.rules import (
        CERTIFICATE_LABELS,
        next_action,
        payment_status,
        status_note,
    )
    from tenant_apps.records.selectors import member_name

    application = joining_application(request.user)
    state = centre_state(request)  # shared with the menu: the terms, fee and unread count
    membership = state.membership
    changes = [{"application": a, "label": status_label(a)}
               for a in level_changes_of(request.user) if a.status != Status.WITHDRAWN][:3]
    # A lapsed (reapply) or withdrawn member's new application to join: its status and next
    # step (缴纳会费) are shown under the old membership, instead of 申请入会 again.
    rejoining = bool(membership and application and application.status != Status.COMPLETED
                     and may_join_again(membership))
    progress = join_progress(application)
    # Where the association draws the journey (Jiangsu), the first visit after activation
    # shows 入会成功 (seed 004, steps 8-9) above the member card, once.
    welcome = bool(membership and state.services and progress
                   and application.status == Status.COMPLETED
                   and application_welcome_shown(application=application))
    # a free type has nothing to renew (and never shows arrears)
    paying = bool(membership and membership.member_type.year_options and state.fee)
    return render(request, "memberships/home.html", {
        "welcome": welcome, "order": receipt_order(application) if welcome else None,
        "application": application, "membership": membership,
        "name": member_name(membership) if membership else "",
        # the lifecycle: what the status allows and the next step (docs/lifecycle.md)
        "next_action": _shown(next_action(membership, state.terms), state.fee)
        if membership and not rejoining else None,
        "show_application": bool(application and (not membership or rejoining)),
        "payment_status": payment_status(membership, state.terms, fee=paying)
        if membership else "",
        "arrears": bool(paying and state.terms.open and state.terms.owed_years),
        "status_note": status_note(membership, state.terms) if membership else "",
        "certificate": CERTIFICATE_LABELS[access(membership).certificate]
        if membership else "",
        "label": status_label(application) if application else None,
        "approved_first": bool(application and reviewed_before_payment(application)),
        "progress": progress,
        "events": application.events.all() if application else [],
        "changes": changes, "services": state.services, "unread": state.unread,
        "council_pending": state.council_pending})


def _shown(action, fee: int):
    """A renewal is offered only where there is a fee to pay (never a ¥0 order)."""
    if action and action.url_name == "billing:renew" and not fee:
        return None
    return action


@login_required
def withdraw(request):
    """退会 at the member's own request: a page to confirm (the reason is optional)."""
    from tenant_apps.memberships.services import membership_withdraw

    membership = getattr(request.user, "membership", None)
    if membership is None or membership.status in (Membership.Status.LAPSED,
                                                   Membership.Status.WITHDRAWN):
        return redirect("members:home")  # nothing to leave: the card says why
    if request.method != "POST":
        return render(request, "memberships/withdraw.html", {"membership": membership})
    try:
        membership_withdraw(membership=membership, actor=request.user,
                            reason=request.POST.get("reason", ""), by_staff=False)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You have left the association."))
    return redirect("members:home")
