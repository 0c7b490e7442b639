"""Writes of the roster: the association's settings (from its profile) and a member's
consent, given, changed or withdrawn (docs/roster.md)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.roster.columns import DEFAULT, PERSONAL
from tenant_apps.roster.models import RosterConsent, RosterSettings


def roster_settings_apply(block: dict | None) -> RosterSettings:
    """The validated profile block (columns.roster_checked) stored; called by
    configuration.services.profile_apply inside its transaction."""
    block = {**DEFAULT, **(block or {})}
    row = RosterSettings.objects.first() or RosterSettings()
    row.enabled = block["enabled"]
    row.columns = list(block["columns"])
    row.phone = block["phone"]
    row.member_types = list(block["member_types"])
    row.consent_text = block["consent_text"]
    row.save()
    return row


def consent_fields_checked(fields, offered: list[str]) -> list[str]:
    """The personal columns ticked, each one the association publishes; anything else is a
    hand-made post, refused."""
    fields = [str(f) for f in fields]
    for field in fields:
        if field not in offered or field not in PERSONAL:
            raise AppError("roster_field", _("Choose among the items listed."), field="fields")
    return [f for f in offered if f in fields]  # the association's order, each once


@transaction.atomic
def consent_give(*, user, fields, source: str, offered: list[str],
                 consent_text: str) -> RosterConsent:
    """The member agrees to be listed, with these personal columns. Giving it again with
    the same columns changes nothing (a repeated post is not a second consent)."""
    fields = consent_fields_checked(fields, offered)
    row = RosterConsent.objects.select_for_update().filter(user=user).first()
    if row is not None and row.in_force and row.fields == fields:
        return row
    now = timezone.now()
    if row is None:
        row = RosterConsent(user=user)
    row.fields = fields
    row.given_at = now
    row.withdrawn_at = None
    row.source = source
    row.consent_text = consent_text
    row.save()
    audit_record(actor=user, action="roster.consent_given", target=row,
                 data={"fields": fields, "source": source})
    from tenant_apps.privacy.services import consent_record

    consent_record(user=user, purpose="roster", given=True, text=consent_text or None,
                   where=source, detail={"fields": fields})
    return row


@transaction.atomic
def consent_withdraw(*, user, where: str = "member_centre") -> RosterConsent | None:
    """Withdrawn at once: the member leaves the roster with the next page shown. A second
    withdrawal changes nothing."""
    row = RosterConsent.objects.select_for_update().filter(user=user).first()
    if row is None or not row.in_force:
        return row
    row.withdrawn_at = timezone.now()
    row.save(update_fields=["withdrawn_at"])
    audit_record(actor=user, action="roster.consent_withdrawn", target=row,
                 data={"fields": row.fields})
    from tenant_apps.privacy.services import consent_record

    consent_record(user=user, purpose="roster", given=False, where=where)
    return row
