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


def _directory(membership: Membership) -> None:
    """The member directory's row follows the membership (tenant_apps/directory)."""
    from tenant_apps.directory.services import refresh_entries

    refresh_entries([membership.pk], record=False)


def _certificates(membership: Membership, actor) -> None:
    """The certificates follow what the membership shows (tenant_apps/certificates)."""
    from tenant_apps.certificates.services import certificates_refresh

    certificates_refresh(membership, actor=actor)


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
    _directory(membership)
    return membership


@transaction.atomic
def membership_extend(*, acting_user, membership: Membership, years: int,
                      order=None, kind: str = MembershipPeriod.Kind.RENEWAL,
                      reason: str = "", data: dict | None = None) -> Membership:
    """Renewal, by `renewal_terms`: the new period continues from the day after the last one
    (an overdue or suspended member, or a lapsed one whose type takes arrears, pays the time
    since), so no paid year is skipped; the membership is in force again (reinstatement),
    the move written to its history. A member the association suspended stays suspended
    (`rules.held_by_staff`): only staff reinstate it. `kind`, `reason` and `data`: a renewal
    by hand (membership_renew_by_hand) names itself on the period and the audit row."""
    from tenant_apps.memberships.rules import held_by_staff, renewal_terms

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type").get(pk=membership.pk)
    before = (membership.status, membership.valid_until)
    terms = renewal_terms(membership)
    # Confirmed money is applied even where renewal has closed since the order was made.
    start = terms.start or renewal_start(today=timezone.localdate(),
                                         current_end=membership.valid_until)
    membership.valid_until = validity_end(membership.member_type, start=start, years=years)
    if membership.status != Membership.Status.ACTIVE and not held_by_staff(membership):
        check_transition(membership.status, Membership.Status.ACTIVE)
        _history(membership, membership.status,
                 MembershipEvent.Reason.ARREARS_PAID if terms.owed_years
                 else MembershipEvent.Reason.RENEWED, actor=acting_user)
        membership.status = Membership.Status.ACTIVE
    membership.save(update_fields=["valid_until", "status"])
    MembershipPeriod.objects.create(
        membership=membership, kind=kind, starts_on=start,
        ends_on=membership.valid_until, years=years, order=order,
        amount_fen=order.amount_fen if order else 0)
    audit_record(actor=acting_user, action="membership.renewed", target=membership,
                 reason=reason,
                 data={"years": years, "before": {"status": before[0], "valid_until":
                                                  before[1].isoformat() if before[1] else None},
                       "valid_until": membership.valid_until.isoformat(),
                       "status": membership.status, **(data or {})})
    _directory(membership)
    _certificates(membership, acting_user)
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
    from tenant_apps.accounts.capabilities import can_for_member
    from tenant_apps.billing.services import orders_cancel_for_membership

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "user").get(pk=membership.pk)
    if by_staff:
        # as every action of the member page (docs/member-record.md, "Actions")
        if not can_for_member(actor, "members.withdraw", membership):
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
    _directory(membership)
    _certificates(membership, actor)
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
    _directory(membership)
    _certificates(membership, acting_user)
    return membership


# --- by staff on the member page (docs/member-record.md, "Actions") ----------------------------

def _for_staff(membership: Membership, actor, capability: str) -> Membership:
    """The membership locked, once `actor` may do `capability` to this member (a branch
    administrator only to members of their branch): else Forbidden."""
    from huiji.errors import Forbidden
    from tenant_apps.accounts.capabilities import can_for_member

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "user", "record__branch").get(pk=membership.pk)
    if not can_for_member(actor, capability, membership):
        raise Forbidden()
    return membership


@transaction.atomic
def membership_suspend(*, acting_user, membership: Membership, reason: str) -> Membership:
    """暂停会籍: staff suspend a member in force (active or in grace) with a reason the member
    reads. Member services stop (rules.ACCESS) until staff reinstate it; paying does not lift
    it (`rules.held_by_staff`); the nightly job still lapses it when its dates say so."""
    from huiji.reasons import reason_checked
    from tenant_apps.memberships.state import check_staff_move

    membership = _for_staff(membership, acting_user, "members.suspend")
    reason = reason_checked(reason, required=_("Give the reason: the member will see it."))
    before = membership.status
    check_staff_move("suspend", before, Membership.Status.SUSPENDED)
    membership.status = Membership.Status.SUSPENDED
    membership.save(update_fields=["status"])
    _history(membership, before, MembershipEvent.Reason.SUSPENDED_BY_STAFF, actor=acting_user,
             note=reason, to=Membership.Status.SUSPENDED)
    audit_record(actor=acting_user, action="membership.suspended", target=membership,
                 reason=reason, data={"number": membership.number, "from": before})
    _directory(membership)
    from tenant_apps.notifications.services import notify

    notify(event="membership_suspended_by_staff", user=membership.user,
           params={"member_type": membership.member_type.name,
                   "member_number": membership.number, "reason": reason})
    return membership


@transaction.atomic
def membership_reinstate(*, acting_user, membership: Membership,
                         reason: str = "") -> Membership:
    """恢复会籍: a suspended member back to the status its dates give (`rules.
    status_by_dates`): active while valid, overdue (grace) when the validity has ended. One
    whose dates keep it suspended or lapsed (unpaid) is refused: paying brings it back."""
    from huiji.reasons import reason_checked
    from tenant_apps.memberships.rules import status_by_dates
    from tenant_apps.memberships.state import check_staff_move

    membership = _for_staff(membership, acting_user, "members.suspend")
    reason = reason_checked(reason)
    before = membership.status
    target = status_by_dates(membership)
    check_staff_move("reinstate", before, target)
    membership.status = target
    membership.save(update_fields=["status"])
    _history(membership, before, MembershipEvent.Reason.REINSTATED, actor=acting_user,
             note=reason, to=target)
    audit_record(actor=acting_user, action="membership.reinstated", target=membership,
                 reason=reason, data={"number": membership.number, "from": before,
                                      "to": target})
    _directory(membership)
    from tenant_apps.notifications.services import notify

    notify(event="membership_reinstated", user=membership.user,
           params={"member_type": membership.member_type.name,
                   "member_number": membership.number,
                   "valid_until": membership.valid_until.isoformat()
                   if membership.valid_until else "—"})
    return membership


@transaction.atomic
def membership_renew_by_hand(*, acting_user, membership: Membership, years: int,
                             payment=None, reason: str = "") -> Membership:
    """续期 by staff (members.renew), by the same validity arithmetic as every renewal
    (`membership_extend`), on `rules.hand_renewal_terms`:

    - with `payment` (billing.services.OutsidePayment: money received outside the platform,
      e.g. cash at a meeting): a renewal order at the fee in force, confirmed by the one
      money-confirming function `billing.services.order_settle` with the method, the amount
      and a note; the member gets `payment_confirmed` as for any paid renewal;
    - without: a free extension (MembershipPeriod kind `complimentary`, no order), with a
      required reason the member reads in `membership_extended`.

    The member's unpaid renewal orders are cancelled first (they would pay the same years
    again); one whose bank transfer finance is checking holds the renewal back (409)."""
    from huiji.errors import AppError
    from huiji.reasons import reason_checked
    from tenant_apps.billing.models import Order
    from tenant_apps.billing.services import order_paid_outside, orders_cancel_for_membership
    from tenant_apps.memberships.rules import hand_renewal_terms

    membership = _for_staff(membership, acting_user, "members.renew")
    terms = hand_renewal_terms(membership)
    if not terms.open:
        raise AppError("renewal_closed", terms.reason, status=409)
    if years not in terms.options:
        raise AppError("bad_years", _("Choose one of the offered numbers of years."),
                       field="years")
    reason = reason_checked(reason, required=None if payment else _(
        "Give the reason for the free extension: the member will see it."))
    orders_cancel_for_membership(
        membership=membership, actor=acting_user, kinds=(Order.Kind.RENEWAL,),
        refusal=_("A payment of this member is being confirmed; renew by hand once finance "
                  "has decided on it."))
    if payment is not None:
        order_paid_outside(membership=membership, actor=acting_user, years=years,
                           payment=payment, reason=reason)
        membership.refresh_from_db()
        return membership
    membership = membership_extend(
        acting_user=acting_user, membership=membership, years=years,
        kind=MembershipPeriod.Kind.COMPLIMENTARY, reason=reason,
        data={"by_hand": True, "paid": False})
    from tenant_apps.notifications.services import notify

    notify(event="membership_extended", user=membership.user,
           params={"member_type": membership.member_type.name,
                   "member_number": membership.number, "years": years,
                   "valid_until": membership.valid_until.isoformat(), "reason": reason})
    return membership
