"""Money in templates: amounts are integer fen everywhere; people read yuan."""

from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """5000 -> "50", 300000 -> "3,000", 12345 -> "123.45"."""
    if fen in (None, ""):
        return ""
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"
