"""Orders, vouchers and the effects of confirmed money. Each service locks the order row;
confirmed money is applied exactly once."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import (
    application_payment_confirmed,
    fee_due_fen,
    type_doc,
)
from tenant_apps.billing.models import Order, OrderStatus, PaymentMethod, Voucher
from tenant_apps.billing.state import check_transition
from tenant_apps.files.services import private_file_store
from tenant_apps.files.sniff import sniff
from tenant_apps.notifications.services import notify

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
VOUCHER_MAX_MB = 10


def _new_number() -> str:
    return f"{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"


def _new_reference() -> str:
    return "HJ" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _move(order: Order, to: str, *, actor, action: str, data: dict | None = None) -> None:
    before = order.status
    check_transition(before, to)
    order.status = to
    order.save()
    audit_record(actor=actor, action=f"order.{action}", target=order,
                 data={"number": order.number, "from": before, "to": to, **(data or {})})


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related(
        "application", "payer").get(pk=order.pk)


@transaction.atomic
def order_for_application(*, application: Application, actor, years: int) -> Order:
    """The joining-fee order of an approved application, for `years` years at the fee in
    force now (fixed on the order). An unpaid order for other years is replaced."""
    application = Application.objects.select_for_update(of=("self",)).select_related(
        "revision", "member_type", "rank").get(pk=application.pk)
    if application.applicant_id != getattr(actor, "pk", None):
        raise Forbidden()
    if application.status != Status.AWAITING_PAYMENT:
        raise AppError("not_payable", _("This application is not waiting for payment."),
                       status=409)
    if years not in type_doc(application)["years"]:
        raise AppError("bad_years", _("Choose one of the offered numbers of years."),
                       field="years")
    current = Order.objects.select_for_update().filter(
        application=application, status__in=[OrderStatus.PENDING,
                                             OrderStatus.AWAITING_CONFIRMATION,
                                             OrderStatus.PAID]).first()
    if current is not None:
        if current.years == years or current.status != OrderStatus.PENDING:
            return current
        _move(current, OrderStatus.CANCELLED, actor=actor, action="replaced")
    application.years = years
    application.save(update_fields=["years", "updated_at"])
    order = _create_order(kind=Order.Kind.JOIN, payer=application.applicant,
                          application=application, member_type=application.member_type,
                          rank=application.rank, years=years, unit=fee_due_fen(application))
    audit_record(actor=actor, action="order.created", target=order,
                 data={"number": order.number, "amount_fen": order.amount_fen,
                       "years": years})
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor) -> Order:
    order = _locked(order)
    if order.payer_id != getattr(actor, "pk", None):
        raise Forbidden()
    _move(order, OrderStatus.CANCELLED, actor=actor, action="cancelled")
    return order


@transaction.atomic
def voucher_upload(*, order: Order, actor, uploaded, payer_name: str = "",
                   note: str = "") -> Voucher:
    """The payer's bank-transfer voucher (an image or a PDF). The order then waits for
    finance to confirm the money."""
    order = _locked(order)
    if order.payer_id != getattr(actor, "pk", None):
        raise Forbidden()
    if order.status != OrderStatus.PENDING:
        raise AppError("not_payable", _("This order is not waiting for payment."),
                       status=409)
    if uploaded.size > VOUCHER_MAX_MB * 1024 * 1024:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.")
                       % {"n": VOUCHER_MAX_MB}, field="file")
    found = sniff(uploaded)
    if found.kind not in ("image", "pdf"):
        raise AppError("file_kind", _("Upload the voucher as an image or a PDF."),
                       field="file")
    stored = private_file_store(acting_user=actor, owner=actor, uploaded=uploaded,
                                content_type=found.content_type)
    voucher = Voucher.objects.create(order=order, file=stored, payer_name=payer_name[:200],
                                     note=note[:300])
    order.method = PaymentMethod.BANK
    _move(order, OrderStatus.AWAITING_CONFIRMATION, actor=actor, action="voucher_uploaded")
    if order.application_id:
        application = Application.objects.select_for_update(of=("self",)).get(
            pk=order.application_id)
        if application.status == Status.AWAITING_PAYMENT:
            from tenant_apps.applications.services import application_mark_payment_review

            application_mark_payment_review(application=application, actor=actor)
    return voucher


@transaction.atomic
def voucher_decide(*, voucher: Voucher, actor, accept: bool, reason: str = "") -> Voucher:
    """Finance confirms the money on a voucher (the order is confirmed and its effects
    applied once) or rejects it with a reason (the payer can upload another)."""
    if not can(actor, "finance.manage"):
        raise Forbidden(_("Only finance can confirm payments."))
    order = _locked(voucher.order)
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.status != Voucher.Status.PENDING:
        raise AppError("already_decided", _("This voucher was already handled. Reload to "
                                            "see its state."), status=409)
    voucher.decided_by, voucher.decided_at = actor, timezone.now()
    if accept:
        voucher.status = Voucher.Status.ACCEPTED
        voucher.save()
        order.confirmed_at = order.paid_at = timezone.now()
        _move(order, OrderStatus.CONFIRMED, actor=actor, action="confirmed",
              data={"voucher": voucher.pk})
        _apply_confirmed(order, actor)
        return voucher
    reason = (reason or "").strip()
    if not reason:
        raise AppError("reason_required", _("Give the reason: the payer will see it."),
                       field="reason")
    voucher.status, voucher.reason = Voucher.Status.REJECTED, reason
    voucher.save()
    _move(order, OrderStatus.PENDING, actor=actor, action="voucher_rejected",
          data={"reason": reason})
    if order.application_id:
        from tenant_apps.applications.services import application_mark_payment_review

        application_mark_payment_review(application=order.application, actor=actor,
                                        back=True, reason=reason)
    # The payer learns why, and what to pay (the order's amount).
    notify(event="voucher_rejected", user=order.payer, application=order.application,
           params={"member_type": order.member_type.name, "amount": _yuan(order.amount_fen),
                   "reason": reason})
    return voucher


def _yuan(fen: int) -> str:
    from huiji.templatetags.money import yuan

    return yuan(fen)


def _apply_confirmed(order: Order, actor) -> None:
    """What confirmed money does: a joining fee moves the application on (to the review
    steps after payment, or to membership); a renewal extends the membership."""
    if order.kind == Order.Kind.JOIN and order.application_id:
        application_payment_confirmed(application=order.application, actor=actor, order=order)
    elif order.kind == Order.Kind.UPGRADE and order.membership_id:
        from tenant_apps.memberships.services import membership_change_level

        membership_change_level(acting_user=actor, membership=order.membership,
                                member_type=order.member_type, rank=order.rank,
                                restart=order.member_type.upgrade_pricing == "full")
    elif order.kind == Order.Kind.RENEWAL and order.membership_id:
        from tenant_apps.memberships.services import membership_extend

        membership_extend(acting_user=actor, membership=order.membership, years=order.years)
        notify(event="payment_confirmed", user=order.payer,
               application=getattr(order.membership, "application", None),
               params={"member_type": order.member_type.name,
                       "amount": _yuan(order.amount_fen), "years": order.years,
                       "order_number": order.number})


def renewal_price(membership) -> int:
    """The yearly fee in force today for the member's type and rank."""
    from tenant_apps.configuration.selectors import fee_in_force

    fee = fee_in_force(list(membership.member_type.fees.all()), rank_id=membership.rank_id,
                       on=timezone.localdate())
    return fee.amount_fen if fee else 0


@transaction.atomic
def order_for_renewal(*, membership, actor, years: int) -> Order:
    """A renewal order for `years` years at the fee in force now (fixed on the order). One
    open renewal at a time; an unpaid one for other years is replaced."""
    from tenant_apps.memberships.models import Membership

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "rank").get(pk=membership.pk)
    if membership.user_id != getattr(actor, "pk", None):
        raise Forbidden()
    if years not in membership.member_type.year_options:
        raise AppError("bad_years", _("Choose one of the offered numbers of years."),
                       field="years")
    current = Order.objects.select_for_update().filter(
        membership=membership, kind=Order.Kind.RENEWAL,
        status__in=[OrderStatus.PENDING, OrderStatus.AWAITING_CONFIRMATION]).first()
    if current is not None:
        if current.years == years or current.status != OrderStatus.PENDING:
            return current
        _move(current, OrderStatus.CANCELLED, actor=actor, action="replaced")
    unit = renewal_price(membership)
    if unit == 0:
        raise AppError("nothing_to_pay", _("This membership has no fee to pay."))
    order = _create_order(kind=Order.Kind.RENEWAL, payer=membership.user,
                          membership=membership, member_type=membership.member_type,
                          rank=membership.rank, years=years, unit=unit)
    audit_record(actor=actor, action="order.created", target=order,
                 data={"number": order.number, "amount_fen": order.amount_fen,
                       "years": years, "kind": "renewal"})
    return order


def _create_order(**fields) -> Order:
    unit = fields.pop("unit")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(
                    number=_new_number(), transfer_reference=_new_reference(),
                    unit_amount_fen=unit, amount_fen=unit * fields["years"],
                    expires_at=timezone.now() + dt.timedelta(
                        days=settings.ORDER_PAY_WITHIN_DAYS), **fields)
        except IntegrityError:
            continue  # a number or reference collided: draw again
    raise AppError("order_number", _("Please try again."), status=503)


@transaction.atomic
def orders_expire(now: dt.datetime | None = None) -> int:
    """Unpaid orders past their pay-by time expire (run by beat in every association)."""
    now = now or timezone.now()
    expired = 0
    for order in Order.objects.select_for_update(skip_locked=True).filter(
            status=OrderStatus.PENDING, expires_at__lt=now):
        _move(order, OrderStatus.EXPIRED, actor=None, action="expired")
        expired += 1
    return expired


def upgrade_price(membership, member_type, rank) -> tuple[int, int]:
    """(amount in fen, years charged) to move to `member_type`/`rank`, by the target type's
    upgrade pricing: the fee difference for each paid year left (at least the current one),
    or the new type's full fee for a year, its validity starting again."""
    from tenant_apps.configuration.selectors import fee_in_force

    today = timezone.localdate()
    new = fee_in_force(list(member_type.fees.all()), rank_id=rank.pk if rank else None,
                       on=today)
    if new is None:
        raise AppError("no_fee", _("This member type has no fee in force."))
    if member_type.upgrade_pricing == "full":
        return new.amount_fen, 1
    current = renewal_price(membership)
    end_year = membership.valid_until.year if membership.valid_until else today.year
    years = max(end_year - today.year + 1, 1)
    return max(new.amount_fen - current, 0) * years, years


@transaction.atomic
def order_for_upgrade(*, membership, actor, member_type, rank=None) -> Order:
    """A level-change order (to another member type or rank), priced by upgrade_price."""
    from tenant_apps.memberships.models import Membership

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "rank").get(pk=membership.pk)
    if membership.user_id != getattr(actor, "pk", None):
        raise Forbidden()
    if not member_type.active or member_type.kind != membership.member_type.kind:
        raise AppError("bad_type", _("Choose a member type of the same kind."),
                       field="member_type")
    if member_type.ranks.exists() and (rank is None or rank.member_type_id != member_type.pk):
        raise AppError("rank_required", _("Choose a rank."), field="rank")
    if (member_type.pk, rank.pk if rank else None) == (membership.member_type_id,
                                                       membership.rank_id):
        raise AppError("same_level", _("That is the current level."), field="member_type")
    amount, years = upgrade_price(membership, member_type, rank)
    Order.objects.filter(membership=membership, kind=Order.Kind.UPGRADE,
                         status=OrderStatus.PENDING).update(status=OrderStatus.CANCELLED)
    order = Order.objects.create(
        number=_new_number(), transfer_reference=_new_reference(), kind=Order.Kind.UPGRADE,
        payer=membership.user, membership=membership, member_type=member_type, rank=rank,
        years=years, unit_amount_fen=amount // years if years else amount, amount_fen=amount,
        expires_at=timezone.now() + dt.timedelta(days=settings.ORDER_PAY_WITHIN_DAYS))
    audit_record(actor=actor, action="order.created", target=order,
                 data={"number": order.number, "kind": "upgrade", "amount_fen": amount,
                       "to": member_type.code})
    if amount == 0:  # nothing to pay: the change applies at once
        order.confirmed_at = timezone.now()
        _move(order, OrderStatus.CONFIRMED, actor=actor, action="confirmed_free")
        _apply_confirmed(order, actor)
    return order
