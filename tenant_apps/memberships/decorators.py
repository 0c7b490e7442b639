"""Closing member-only pages to a membership that is not in force (docs/lifecycle.md)."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render


def member_services_required(view):
    """A member-only page: closed while the membership is suspended, lapsed or withdrawn
    (renewal stays open), with the reason and the way back."""
    from tenant_apps.memberships.rules import access

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        membership = getattr(request.user, "membership", None)
        if membership is not None and not access(membership).services:
            from tenant_apps.memberships.rules import next_action, renewal_terms
            from tenant_apps.memberships.views import _shown

            # the way back beside the reason: 补缴欠费 (suspended), 申请入会 (lapsed, withdrawn)
            action = _shown(next_action(membership, renewal_terms(membership)), membership)
            return render(request, "memberships/services_closed.html",
                          {"membership": membership, "next_action": action}, status=403)
        return view(request, *args, **kwargs)

    return wrapped
