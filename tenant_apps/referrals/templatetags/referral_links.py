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
