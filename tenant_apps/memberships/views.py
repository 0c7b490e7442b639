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
from tenant_apps.notifications.services import inbox_unread_count


@login_required
def home(request):
    from tenant_apps.billing.pricing import renewal_price

    application = joining_application(request.user)
    membership = getattr(request.user, "membership", None)
    changes = [{"application": a, "label": status_label(a)}
               for a in level_changes_of(request.user) if a.status != Status.WITHDRAWN][:3]
    from tenant_apps.memberships.rules import CERTIFICATE_LABELS, access, next_action, renewal_terms

    terms = renewal_terms(membership) if membership else None
    state = access(membership) if membership else None
    # A lapsed (reapply) or withdrawn member's new application to join: its status and next
    # step (缴纳会费) are shown under the old membership, instead of 申请入会 again.
    rejoining = bool(membership and application and application.status != Status.COMPLETED
                     and may_join_again(membership))
    progress = join_progress(application)
    # Where the association draws the journey (Jiangsu), the first visit after activation
    # shows 入会成功 (seed 004, steps 8-9) above the member card, once.
    welcome = bool(membership and progress and application.status == Status.COMPLETED
                   and application_welcome_shown(application=application))
    return render(request, "memberships/home.html", {
        "welcome": welcome, "order": receipt_order(application) if welcome else None,
        "application": application, "membership": membership,
        # the lifecycle: what the status allows and the next step (docs/lifecycle.md)
        "next_action": None if rejoining else _shown(
            next_action(membership, terms) if membership else None, membership),
        "show_application": bool(application and (not membership or rejoining)),
        "certificate": CERTIFICATE_LABELS[state.certificate] if state else "",
        "services_closed": bool(state and not state.services),
        "label": status_label(application) if application else None,
        "approved_first": bool(application and reviewed_before_payment(application)),
        "progress": progress,
        "events": application.events.all() if application else [],
        # a free type has nothing to renew (and never shows arrears)
        "renewable": bool(membership and membership.member_type.year_options
                          and renewal_price(membership) > 0),
        "changes": changes, "unread": inbox_unread_count(request.user)})


def _shown(action, membership):
    """A renewal is offered only where there is a fee to pay (never a ¥0 order)."""
    from tenant_apps.billing.pricing import renewal_price

    if action and action.url_name == "billing:renew" and not renewal_price(membership):
        return None
    return action


@login_required
def withdraw(request):
    """退会 at the member's own request: a page to confirm (the reason is optional)."""
    from tenant_apps.memberships.services import membership_withdraw

    membership = getattr(request.user, "membership", None)
    if membership is None:
        return redirect("members:home")
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
