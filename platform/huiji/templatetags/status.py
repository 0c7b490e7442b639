"""Badge colours by a status's outcome: `<span class="badge badge-{{ x.status|tone }}">`.

Rejected, cancelled, expired and withdrawn are red; done (a member, paid, confirmed, accepted,
refunded) green; everything still waiting for someone (draft, in review, returned, awaiting
payment or confirmation) amber. A rejection must never look like a success."""

from __future__ import annotations

from django import template

register = template.Library()

REJECTED = frozenset({"rejected", "cancelled", "expired", "withdrawn", "lapsed"})
DONE = frozenset({"completed", "paid", "confirmed", "accepted", "refunded", "active", "issued",
                  "approved", "published"})


@register.filter
def tone(status) -> str:
    value = str(getattr(status, "value", status) or "")
    if value in REJECTED:
        return "rejected"
    if value in DONE:
        return "done"
    return "waiting"
