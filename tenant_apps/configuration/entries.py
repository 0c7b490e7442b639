"""The ways in to an association that takes both units and individuals: CAQ's 加入会员 page
has two entries, 企业入会 and 个人入会, each leading to its own member types. Sign-up, the join
page and the start of the application show them as tabs (`?kind=unit|individual`); an
association with one kind of member shows none."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tenant_apps.configuration.models import MemberKind, MemberType

LABELS = {MemberKind.UNIT: _("Join as a unit"), MemberKind.INDIVIDUAL: _("Join as an individual")}


def join_entries(chosen: str | None) -> list[dict]:
    """One entry per kind of open member type (units first, as CAQ's page), the chosen one
    (or the first) marked current; empty when the open types are all of one kind."""
    present = set(MemberType.objects.filter(active=True).values_list("kind", flat=True))
    kinds = [k for k in (MemberKind.UNIT, MemberKind.INDIVIDUAL) if k in present]
    if len(kinds) < 2:
        return []
    chosen = chosen if chosen in kinds else kinds[0]
    return [{"kind": str(k), "label": LABELS[k], "current": k == chosen} for k in kinds]


def current_kind(entries: list[dict]) -> str | None:
    return next((e["kind"] for e in entries if e["current"]), None)
