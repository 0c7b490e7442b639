"""{% load referral_links %}{% branch_referral_offered user as offered %}: whether the staff
member list shows 生成推荐码 (a branch whose code this viewer may show). One query: the list's
query count is asserted (directory tests)."""

from django import template
from django.db.models import Exists

register = template.Library()


@register.simple_tag
def branch_referral_offered(user) -> bool:
    from tenant_apps.accounts.capabilities import ALL, scope
    from tenant_apps.configuration.models import Branch, ReferralChannel

    held = scope(user, "members.view")
    if held is None:
        return False
    channels = ReferralChannel.objects.filter(active=True, kind__in=("branch", "provincial"))
    if held == ALL:
        return channels.exists()
    return Branch.objects.filter(admins=user, active=True).filter(Exists(channels)).exists()


@register.simple_tag(takes_context=True)
def session_referral(context):
    """The referral a link left in the session (sign-up shows who refers before the apply
    page fills it in); None when there is none or it no longer holds."""
    from huiji.errors import AppError
    from tenant_apps.referrals.codes import SESSION_KEY, resolve

    request = context.get("request")
    code = request.session.get(SESSION_KEY) if request is not None else None
    if not code:
        return None
    try:
        return resolve(code)
    except AppError:
        return None
