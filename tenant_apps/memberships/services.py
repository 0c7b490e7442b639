"""Activation of memberships and member numbers."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from tenant_apps.configuration.models import MemberType, Rank, ValidityRule
from tenant_apps.memberships.models import (
    MemberNumberSequence,
    Membership,
    MembershipEvent,
    MembershipPeriod,
)
from tenant_apps.memberships.state import check_transition
from tenant_apps.memberships.validity import renewal_start, validity_end


def member_number_next(member_type: MemberType) -> str:
    """Take the next number of a member type. Call inside the activation's transaction: the
    row lock serialises concurrent activations, and a rollback returns the number."""
    sequence, _created = MemberNumberSequence.objects.get_or_create(member_type=member_type)
    sequence = MemberNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    number = member_type.format_number(sequence.next_value)
    sequence.next_value += 1
    sequence.save(update_fields=["next_value"])
    return number


def member_number_sequence_move_past(member_type: MemberType, numbers) -> int:
    """Move the member type's number sequence past every number of `numbers` its format could
    have given (prefix, digits, suffix: imported members keep the numbers they had), so a
    new member never gets one of them. Inside the caller's transaction, under the row lock
    member_number_next takes. Returns the next value."""
    prefix, suffix = member_type.number_prefix or "", member_type.number_suffix or ""
    highest = 0
    for number in numbers:
        number = str(number or "")
        if not number.upper().startswith(prefix.upper()) or \
                (suffix and not number.upper().endswith(suffix.upper())):
            continue
        digits = number[len(prefix):len(number) - len(suffix) if suffix else None]
        if digits.isdigit() and digits.isascii():
            highest = max(highest, int(digits))
    sequence, _created = MemberNumberSequence.objects.get_or_create(member_type=member_type)
    sequence = MemberNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    if highest >= sequence.next_value:
        sequence.next_value = highest + 1
        sequence.save(update_fields=["next_value"])
    return sequence.next_value


@transaction.atomic
def membership_activate(*, acting_user, user, member_type: MemberType, rank: Rank | None,
                        years: int, answers: dict | None = None,
                        start: dt.date | None = None, order=None) -> Membership:
    """A new member, or a lapsed or withdrawn one joining again by a new application: the
    same row (one membership per person) with the next number of its type (a number is
    never given twice; the old one stays in the history) and a new first period, the gap
    since the old one visible."""
    start = start or timezone.localdate()
    end = validity_end(member_type, start=start, years=years, answers=answers)
    previous = Membership.objects.select_for_update().filter(user=user).first()
    if previous is not None:
        check_transition(previous.status, Membership.Status.ACTIVE)
        membership = previous
        old = (previous.status, previous.number)
        membership.member_type, membership.rank = member_type, rank
        membership.number = member_number_next(member_type)
        membership.status = Membership.Status.ACTIVE
        membership.activated_at, membership.valid_from, membership.valid_until = \
            timezone.now(), start, end
        membership.save()
        _history(membership, old[0], MembershipEvent.Reason.REJOINED, actor=acting_user,
                 note=old[1])
    else:
        membership = Membership.objects.create(
            user=user, member_type=member_type, rank=rank,
            number=member_number_next(member_type), status=Membership.Status.ACTIVE,
            activated_at=timezone.now(), valid_from=start, valid_until=end)
    MembershipPeriod.objects.create(
        membership=membership, kind=MembershipPeriod.Kind.JOIN, starts_on=start, ends_on=end,
        years=years, order=order, amount_fen=order.amount_fen if order else 0)
    audit_record(actor=acting_user, action="membership.activated", target=membership,
                 data={"number": membership.number, "member_type": member_type.code,
                       "valid_until": membership.valid_until.isoformat()
                       if membership.valid_until else None})
    return membership


@transaction.atomic
def membership_extend(*, acting_user, membership: Membership, years: int,
                      order=None) -> Membership:
    """Paid renewal, by `renewal_terms`: the new period continues from the day after the
    last one (an overdue or suspended member, or a lapsed one whose type takes arrears, pays
    the time since), so no paid year is skipped; the membership is in force again
    (reinstatement), the move written to its history."""
    from tenant_apps.memberships.rules import renewal_terms

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type").get(pk=membership.pk)
    before = (membership.status, membership.valid_until)
    terms = renewal_terms(membership)
    # Confirmed money is applied even where renewal has closed since the order was made.
    start = terms.start or renewal_start(today=timezone.localdate(),
                                         current_end=membership.valid_until)
    membership.valid_until = validity_end(membership.member_type, start=start, years=years)
    if membership.status != Membership.Status.ACTIVE:
        check_transition(membership.status, Membership.Status.ACTIVE)
        _history(membership, membership.status,
                 MembershipEvent.Reason.ARREARS_PAID if terms.owed_years
                 else MembershipEvent.Reason.RENEWED, actor=acting_user)
    membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["valid_until", "status"])
    MembershipPeriod.objects.create(
        membership=membership, kind=MembershipPeriod.Kind.RENEWAL, starts_on=start,
        ends_on=membership.valid_until, years=years, order=order,
        amount_fen=order.amount_fen if order else 0)
    audit_record(actor=acting_user, action="membership.renewed", target=membership,
                 data={"years": years, "before": {"status": before[0], "valid_until":
                                                  before[1].isoformat() if before[1] else None},
                       "valid_until": membership.valid_until.isoformat()})
    return membership


def _history(membership: Membership, from_status: str, reason: str, *, actor=None,
             note: str = "", to: str = Membership.Status.ACTIVE) -> MembershipEvent:
    return MembershipEvent.objects.create(
        membership=membership, from_status=from_status, to_status=to, reason=reason,
        note=note, effective_on=timezone.localdate(),
        actor=actor if getattr(actor, "pk", None) else None)


@transaction.atomic
def membership_withdraw(*, membership: Membership, actor, reason: str,
                        by_staff: bool) -> Membership:
    """退会: the member asks to leave, or staff withdraw a member (with a reason). Open orders
    are cancelled (money that still arrives for one is kept to refund); the number is never
    given again. An order whose bank transfer finance is checking holds the withdrawal
    back."""
    from huiji.errors import Forbidden
    from tenant_apps.accounts.capabilities import can
    from tenant_apps.billing.services import orders_cancel_for_membership

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "user").get(pk=membership.pk)
    if by_staff:
        if not can(actor, "members.withdraw"):
            raise Forbidden()
    elif membership.user_id != getattr(actor, "pk", None):
        raise Forbidden()
    from huiji.reasons import reason_checked

    reason = reason_checked(reason, required=_("Give the reason: the member will see it.")
                            if by_staff else None)
    check_transition(membership.status, Membership.Status.WITHDRAWN)
    cancelled = orders_cancel_for_membership(membership=membership, actor=actor)
    from tenant_apps.records.change_requests import change_requests_close

    change_requests_close(membership=membership, actor=actor)
    before = membership.status
    membership.status = Membership.Status.WITHDRAWN
    membership.save(update_fields=["status"])
    _history(membership, before, MembershipEvent.Reason.WITHDRAWN_BY_STAFF if by_staff
             else MembershipEvent.Reason.WITHDRAWN_BY_MEMBER, actor=actor, note=reason,
             to=Membership.Status.WITHDRAWN)
    audit_record(actor=actor, action="membership.withdrawn", target=membership,
                 data={"number": membership.number, "from": before, "by_staff": by_staff,
                       "reason": reason, "orders_cancelled": cancelled})
    from tenant_apps.notifications.services import notify

    notify(event="membership_withdrawn", user=membership.user,
           params={"member_type": membership.member_type.name,
                   "member_number": membership.number,
                   "reason": reason or _("at your request")})
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
    if before["valid_until"] != (membership.valid_until.isoformat()
                                 if membership.valid_until else None):
        # The validity restarted or moved: a period of its own (a kept period stays).
        MembershipPeriod.objects.create(
            membership=membership, kind=MembershipPeriod.Kind.LEVEL_CHANGE, starts_on=today,
            ends_on=membership.valid_until, years=1 if restart else years)
    audit_record(actor=acting_user, action="membership.level_changed", target=membership,
                 data={"before": before, "after": {
                     "member_type": member_type.code, "rank": rank.code if rank else None,
                     "number": membership.number,
                     "valid_until": membership.valid_until.isoformat()
                     if membership.valid_until else None}})
    return membership
