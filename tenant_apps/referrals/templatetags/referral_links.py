"""{% load referral_links %}{% branch_referral_offered user as offered %}: whether the staff
member list shows 生成推荐码 (a branch whose code this viewer may show)."""

from django import template

register = template.Library()


@register.simple_tag
def branch_referral_offered(user) -> bool:
    from tenant_apps.referrals.views import _branches_for

    return bool(_branches_for(user))
