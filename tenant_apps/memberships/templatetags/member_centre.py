from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def member_menu(context):
    """The member centre's menu entries for the viewer (memberships/menu.py), for
    memberships/menu.html; empty where there is no request or for staff."""
    from tenant_apps.memberships.menu import menu_for

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return menu_for(request)
