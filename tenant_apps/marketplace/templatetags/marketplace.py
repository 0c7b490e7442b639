from django import template

from tenant_apps.marketplace.config import market_settings

register = template.Library()


@register.simple_tag(takes_context=True)
def market_on(context) -> bool:
    """Whether the association offers the marketplace (the staff bar's 供需审核 link); read
    once per request."""
    request = context.get("request")
    return market_settings(request).enabled if request is not None else False
