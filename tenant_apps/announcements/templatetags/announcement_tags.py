"""`{% announcement_panel %}` on the association's home (public ones) and the member home
(the member's own, unread marked): nothing at all where the profile has announcements off.
`|richtext` shows stored rich text, sanitised again on the way out."""

from __future__ import annotations

from django import template

from huiji import richtext as sanitiser

register = template.Library()


@register.filter
def richtext(value: str):
    return sanitiser.safe_html(value)


@register.simple_tag
def announcements_on() -> bool:
    """For the staff navigation: a cached flag, no query on most pages."""
    from tenant_apps.announcements.selectors import enabled

    return enabled()


@register.inclusion_tag("announcements/panel.html", takes_context=True)
def announcement_panel(context, public_only: bool = False):
    """Three queries: the setting, the reader, the latest few (with their read marks)."""
    from tenant_apps.announcements import selectors

    row = selectors.settings_row()
    if not row.enabled:
        return {"shown": False}
    request = context["request"]
    reader = selectors.reader_of(None if public_only else request.user)
    from tenant_apps.announcements.views import heading

    return {"shown": True, "heading": row.title or heading(), "reader": reader,
            "items": selectors.panel(reader, public_only=public_only)}
