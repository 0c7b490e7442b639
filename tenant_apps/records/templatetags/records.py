from django import template

register = template.Library()


@register.filter
def attr(obj, name: str):
    """obj.name or obj[name]: a contact's detail by its name, from a row or posted values."""
    if isinstance(obj, dict):
        return obj.get(name, "")
    return getattr(obj, name, "")
