"""Activation of memberships and member numbers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from huiji.audit.services import audit_record
from tenant_apps.configuration.models import MemberType, Rank, ValidityRule
from tenant_apps.memberships.models import MemberNumberSequence, Membership
from tenant_apps.memberships.validity import validity_end


def member_number_next(member_type: MemberType) -> str:
    """Take the next number of a member type. Call inside the activation's transaction: the
    row lock serialises concurrent activations, and a rollback returns the number."""
    sequence, _created = MemberNumberSequence.objects.get_or_create(member_type=member_type)
    sequence = MemberNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    number = member_type.format_number(sequence.next_value)
    sequence.next_value += 1
    sequence.save(update_fields=["next_value"])
    return number


@transaction.atomic
def membership_activate(*, acting_user, user, member_type: MemberType, rank: Rank | None,
                        years: int, answers: dict | None = None,
                        start: dt.date | None = None) -> Membership:
    start = start or timezone.localdate()
    membership = Membership.objects.create(
        user=user, member_type=member_type, rank=rank, number=member_number_next(member_type),
        status=Membership.Status.ACTIVE, activated_at=timezone.now(), valid_from=start,
        valid_until=validity_end(member_type, start=start, years=years, answers=answers))
    audit_record(actor=acting_user, action="membership.activated", target=membership,
                 data={"number": membership.number, "member_type": member_type.code,
                       "valid_until": membership.valid_until.isoformat()
                       if membership.valid_until else None})
    return membership


@transaction.atomic
def membership_extend(*, acting_user, membership: Membership, years: int) -> Membership:
    """Paid renewal: validity counted from the later of today and the current end, by the
    member type's rule; an overdue, suspended or lapsed membership is in force again."""
    from tenant_apps.memberships.validity import renewal_start

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type").get(pk=membership.pk)
    before = (membership.status, membership.valid_until)
    start = renewal_start(today=timezone.localdate(), current_end=membership.valid_until)
    membership.valid_until = validity_end(membership.member_type, start=start, years=years)
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["valid_until", "status"])
    audit_record(actor=acting_user, action="membership.renewed", target=membership,
                 data={"years": years, "before": {"status": before[0], "valid_until":
                                                  before[1].isoformat() if before[1] else None},
                       "valid_until": membership.valid_until.isoformat()})
    return membership


@transaction.atomic
def membership_change_level(*, acting_user, membership: Membership, member_type: MemberType,
                            rank: Rank | None, restart: bool = False, years: int = 1,
                            answers: dict | None = None) -> Membership:
    """A level change, once its application is through review (and paid, when it costs).

    - Number: a change of member type takes the next number of the target type (each type
      numbers alike only with itself: CMES E…T students, E…S seniors), the old number kept
      in the audit trail; a change of rank within the type keeps the number.
    - Validity, by the target type's rule: with `restart` (a full-fee change, or from a free
      type) it starts again today for one year; otherwise the paid period is kept: to 31
      December of its last year (calendar_year), to the same day (rolling). A target valid
      until a date from the application (until_field) takes that date from `answers`.
    """
    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "rank").get(pk=membership.pk)
    today = timezone.localdate()
    before = {"member_type": membership.member_type.code,
              "rank": membership.rank.code if membership.rank else None,
              "number": membership.number,
              "valid_until": membership.valid_until.isoformat()
              if membership.valid_until else None}
    if member_type.pk != membership.member_type_id:
        membership.number = member_number_next(member_type)
    if member_type.validity_rule == ValidityRule.UNTIL_FIELD or restart:
        membership.valid_until = validity_end(member_type, start=today, years=1,
                                              answers=answers)
    elif member_type.validity_rule == ValidityRule.CALENDAR_YEAR \
            or membership.valid_until is None:  # (rolling, from a type without an end date)
        membership.valid_until = validity_end(member_type, start=today, years=years)
    membership.member_type, membership.rank = member_type, rank
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["member_type", "rank", "number", "valid_until", "status"])
    audit_record(actor=acting_user, action="membership.level_changed", target=membership,
                 data={"before": before, "after": {
                     "member_type": member_type.code, "rank": rank.code if rank else None,
                     "number": membership.number,
                     "valid_until": membership.valid_until.isoformat()
                     if membership.valid_until else None}})
    return membership
