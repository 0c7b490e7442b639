"""`{% announcement_panel %}` on the association's home (public ones) and the member home
(the member's own, unread marked): nothing at all where the profile has announcements off.
`|richtext` shows stored rich text, sanitised again on the way out."""

from __future__ import annotations

from django import template

from huiji import pagecache
from huiji import richtext as sanitiser

register = template.Library()


@register.filter
def richtext(value: str):
    return sanitiser.safe_html(value)


@register.simple_tag(takes_context=True)
def announcements_on(context) -> str:
    """For the staff navigation: the heading where announcements are on, else "" (the
    request's feature switches: no query of its own)."""
    from tenant_apps.announcements.selectors import enabled, heading

    request = context.get("request")
    return heading(request) if enabled(request) else ""


@register.inclusion_tag("announcements/panel.html", takes_context=True)
def announcement_panel(context, public_only: bool = False):
    """Two queries (the switch is the request's): the reader, the latest few with their read
    marks."""
    from tenant_apps.announcements import selectors

    request = context["request"]
    if not selectors.enabled(request):
        return {"shown": False}
    reader = selectors.reader_of(None if public_only else request.user)
    if public_only and pagecache.caching(request):  # a cached home: until the next goes live
        pagecache.valid_until(request, selectors.next_scheduled())
    return {"shown": True, "heading": selectors.heading(request), "reader": reader,
            "items": selectors.panel(reader, public_only=public_only)}
