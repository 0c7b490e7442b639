"""Orders, vouchers and the effects of confirmed money. Each service locks the order row;
confirmed money is applied exactly once."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
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
from tenant_apps.billing.pricing import level_change_price, renewal_price
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


def order_move(order: Order, to: str, *, actor, action: str, data: dict | None = None) -> None:
    """The one way an order changes status; money confirmed or refunded is counted in the
    revenue summary in the same transaction (`revenue_count`)."""
    before = order.status
    check_transition(before, to)
    order.status = to
    order.save()
    _moved(order, before, actor=actor, action=action, data=data)


def _moved(order: Order, before: str, *, actor, action: str, data: dict | None) -> None:
    """What follows a saved move of `order` from `before` to its status: the revenue summary
    and the audit row."""
    to = order.status
    if to == OrderStatus.CONFIRMED:
        revenue_count(order, +1)
    elif before == OrderStatus.CONFIRMED:
        revenue_count(order, -1)
    audit_record(actor=actor, action=f"order.{action}", target=order,
                 data={"number": order.number, "from": before, "to": to, **(data or {})})


def order_locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related(
        "application", "payer").get(pk=order.pk)


@transaction.atomic
def order_for_application(*, application: Application, actor, years: int) -> Order:
    """The order of an approved application: its joining fee for `years` years at the fee in
    force now, or its level change at the price `level_change_price` gives (the years are
    then the price's own). The amount is fixed on the order; an unpaid order for other
    years is replaced."""
    application = Application.objects.select_for_update(of=("self",)).select_related(
        "revision", "member_type", "rank", "membership_changed").get(pk=application.pk)
    if application.applicant_id != getattr(actor, "pk", None):
        raise Forbidden()
    if application.status != Status.AWAITING_PAYMENT:
        raise AppError("not_payable", _("This application is not waiting for payment."),
                       status=409)
    level_change = application.purpose == Application.Purpose.LEVEL_CHANGE
    if level_change:
        price = level_change_price(application.membership_changed, application.member_type,
                                   application.rank)
        offered, unit = [price.years], price.amount_fen // price.years
    else:
        offered, unit = type_doc(application)["years"], fee_due_fen(application)
    if years not in offered:
        raise AppError("bad_years", _("Choose one of the offered numbers of years."),
                       field="years")
    current = Order.objects.select_for_update().filter(
        application=application, status__in=[OrderStatus.PENDING,
                                             OrderStatus.AWAITING_CONFIRMATION,
                                             OrderStatus.PAID]).first()
    if current is not None:
        if current.years == years or current.status != OrderStatus.PENDING:
            return current
        order_move(current, OrderStatus.CANCELLED, actor=actor, action="replaced")
    application.years = years
    application.save(update_fields=["years", "updated_at"])
    order = _create_order(kind=Order.Kind.UPGRADE if level_change else Order.Kind.JOIN,
                          payer=application.applicant, application=application,
                          membership=application.membership_changed,
                          member_type=application.member_type, rank=application.rank,
                          years=years, unit=unit)
    audit_record(actor=actor, action="order.created", target=order,
                 data={"number": order.number, "amount_fen": order.amount_fen,
                       "years": years, "kind": order.kind})
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor) -> Order:
    order = order_locked(order)
    if order.payer_id != getattr(actor, "pk", None):
        raise Forbidden()
    order_move(order, OrderStatus.CANCELLED, actor=actor, action="cancelled")
    return order


@transaction.atomic
def voucher_upload(*, order: Order, actor, uploaded, payer_name: str = "",
                   note: str = "") -> Voucher:
    """The payer's bank-transfer voucher (an image or a PDF). The order then waits for
    finance to confirm the money."""
    order = order_locked(order)
    if order.payer_id != getattr(actor, "pk", None):
        raise Forbidden()
    if order.status != OrderStatus.PENDING:
        raise AppError("not_payable", _("This order is not waiting for payment."),
                       status=409)
    from tenant_apps.billing.selectors import bank_account

    if bank_account() is None:
        raise AppError("method_unavailable", _("This association does not take bank "
                                               "transfers."), status=409)
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
    order_move(order, OrderStatus.AWAITING_CONFIRMATION, actor=actor, action="voucher_uploaded")
    if order.application_id:
        application = Application.objects.select_for_update(of=("self",)).get(
            pk=order.application_id)
        if application.status == Status.AWAITING_PAYMENT:
            from tenant_apps.applications.services import application_mark_payment_review

            application_mark_payment_review(application=application, actor=actor)
    return voucher


@transaction.atomic
def voucher_decide(*, voucher: Voucher, actor, accept: bool, reason: str = "") -> Voucher:
    """Finance confirms the money on a voucher (the order is settled by `order_settle`) or
    rejects it with a reason (the payer can upload another)."""
    if not can(actor, "finance.manage"):
        raise Forbidden(_("Only finance can confirm payments."))
    order = order_locked(voucher.order)
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    if voucher.status != Voucher.Status.PENDING:
        raise AppError("already_decided", _("This voucher was already handled. Reload to "
                                            "see its state."), status=409)
    voucher.decided_by, voucher.decided_at = actor, timezone.now()
    if accept:
        voucher.status = Voucher.Status.ACCEPTED
        voucher.save()
        settled = order_settle(order=order, actor=actor, method=PaymentMethod.BANK,
                               via="voucher", data={"voucher": voucher.pk})
        if not settled.applied:
            # Nothing is kept: the voucher waits, and finance is told why.
            transaction.set_rollback(True)
            raise AppError("not_payable", settled.reason, status=409)
        return voucher
    reason = (reason or "").strip()
    if not reason:
        raise AppError("reason_required", _("Give the reason: the payer will see it."),
                       field="reason")
    voucher.status, voucher.reason = Voucher.Status.REJECTED, reason
    voucher.save()
    order_move(order, OrderStatus.PENDING, actor=actor, action="voucher_rejected",
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


@dataclass(frozen=True)
class Settlement:
    """What `order_settle` did: `applied` (the order is confirmed and its effects applied),
    or not, with the `reason` the money is to be refunded instead."""

    order: Order
    applied: bool
    reason: str = ""


# Orders that can still take money; `_claim` and `_refusal` are the rule, the one in SQL and
# the other on a locked row.
SETTLEABLE = (OrderStatus.PENDING, OrderStatus.AWAITING_CONFIRMATION)


def order_settle(*, order: Order, actor, method: str, via: str,
                 transaction_id: str | None = None, data: dict | None = None) -> Settlement:
    """The one way money is confirmed on an order, whoever brings it: finance accepting a
    voucher, a verified online payment (notification or reconciliation), a bank statement
    line. Call inside a transaction; the order's row is locked here.

    Money the order cannot take changes nothing and is not credited: the order was already
    paid, cancelled, expired or refunded, or its application was withdrawn (an order still
    open then is cancelled now). The caller records it as money to refund. Otherwise the
    order is confirmed (paid and confirmed now, by `method`), pending vouchers are closed,
    and what the money pays for is applied, once."""
    claim = _claim("o.id = %s", [order.pk], method=method, transaction_id=transaction_id)
    if claim is None:
        order = order_locked(order)
        refusal = _refusal(order)
        if refusal is not None:
            return Settlement(order, False, refusal)
        # It could take the money after all (it changed between the two statements): it is
        # locked now, so this claim holds.
        claim = _claim("o.id = %s", [order.pk], method=method, transaction_id=transaction_id)
    for field in _CLAIMED_FIELDS:  # the caller's instance keeps what it had loaded with it
        setattr(order, field, getattr(claim.order, field))
    return _settled(order, claim, actor=actor, method=method, via=via,
                    transaction_id=transaction_id, data=data)


def order_settle_online(*, number: str, amount_fen: int, method: str,
                        transaction_id: str) -> Settlement | None:
    """`order_settle` for a verified online payment in its common case, in one statement:
    the order `number` of exactly `amount_fen` that can still take money is confirmed with
    `transaction_id` under its row lock. None when no such order was there to claim (it is
    unknown, of another amount, already paid, cancelled or expired, or its application
    withdrawn): the caller reads it under its lock to say which, and settles nothing or
    calls `order_settle`. Call inside a transaction."""
    claim = _claim("o.number = %s AND o.amount_fen = %s", [number, amount_fen],
                   method=method, transaction_id=transaction_id)
    if claim is None:
        return None
    return _settled(claim.order, claim, actor=None, method=method, via="online",
                    transaction_id=transaction_id, data=None)


@dataclass(frozen=True)
class _Claim:
    order: Order  # as confirmed, fresh from the database (no related objects loaded)
    before: str  # its status before
    pending_vouchers: bool


_CLAIMED_FIELDS = ("status", "method", "paid_at", "confirmed_at", "provider_transaction_id")


def _claim(where: str, params: list, *, method: str, transaction_id: str | None
           ) -> _Claim | None:
    """Confirm the order `where` names if it can take money, in one locked UPDATE: a
    concurrent settlement of the same order waits for the row lock, then finds it confirmed
    and claims nothing (PostgreSQL re-checks the condition on the row it waited for). The
    rule is `_refusal`'s: an order still open (SETTLEABLE) whose application, if any, was not
    withdrawn."""
    from django.db import connection

    table = Order._meta.db_table
    columns = ", ".join(f'{table}."{f.column}"' for f in Order._meta.concrete_fields)
    now = timezone.now()
    # Only table names and this module's own `where` are formatted in; values are parameters.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH prior AS (
                    SELECT o.id, o.status FROM {table} o
                    WHERE {where} AND o.status IN %s AND NOT EXISTS (
                        SELECT 1 FROM {Application._meta.db_table} a
                        WHERE a.id = o.application_id AND a.status = %s)
                    FOR UPDATE OF o)
                UPDATE {table} SET status = %s, method = %s, paid_at = %s, confirmed_at = %s,
                    provider_transaction_id = COALESCE(%s, {table}.provider_transaction_id)
                FROM prior WHERE {table}.id = prior.id
                RETURNING prior.status, EXISTS (
                    SELECT 1 FROM {Voucher._meta.db_table} v
                    WHERE v.order_id = {table}.id AND v.status = %s), {columns}""",  # noqa: S608
            [*params, tuple(SETTLEABLE), Status.WITHDRAWN, OrderStatus.CONFIRMED, method, now,
             now, transaction_id or None, Voucher.Status.PENDING])
        row = cursor.fetchone()
    if row is None:
        return None
    order = Order.from_db(connection.alias, [f.attname for f in Order._meta.concrete_fields],
                          row[2:])
    return _Claim(order=order, before=row[0], pending_vouchers=row[1])


def _refusal(order: Order) -> str | None:
    """Why the locked `order` cannot take money, or None when it can. An order left open by
    older code on a withdrawn application is cancelled now (withdrawing cancels them)."""
    if order.status not in SETTLEABLE:
        return _("The order is %(status)s.") % {"status": order.get_status_display()}
    if order.application_id and order.application.status == Status.WITHDRAWN:
        order_move(order, OrderStatus.CANCELLED, actor=None, action="cancelled_withdrawn")
        return _("The application was withdrawn.")
    return None


def _settled(order: Order, claim: _Claim, *, actor, method: str, via: str,
             transaction_id: str | None, data: dict | None) -> Settlement:
    """The order is confirmed (by `_claim`): its history, pending vouchers closed, and what
    the money pays for applied."""
    check_transition(claim.before, OrderStatus.CONFIRMED)
    _moved(order, claim.before, actor=actor, action="confirmed",
           data={"via": via, "method": method, "amount_fen": order.amount_fen,
                 **({"transaction": transaction_id} if transaction_id else {}),
                 **(data or {})})
    if claim.pending_vouchers:
        if method == PaymentMethod.BANK:
            order.vouchers.filter(status=Voucher.Status.PENDING).update(
                status=Voucher.Status.ACCEPTED, decided_by=actor, decided_at=order.paid_at)
        else:
            order.vouchers.filter(status=Voucher.Status.PENDING).update(
                status=Voucher.Status.REJECTED, decided_at=order.paid_at,
                reason=_("The order was paid online."))
    _apply_confirmed(order, actor)
    return Settlement(order, True)


def _apply_confirmed(order: Order, actor) -> None:
    """What confirmed money does: a joining fee or a level change moves its application on
    (to the review steps after payment, or to membership / the new level); a renewal
    extends the membership."""
    if order.application_id:
        application_payment_confirmed(application=order.application, actor=actor, order=order)
    elif order.kind == Order.Kind.UPGRADE and order.membership_id:
        # A level-change order made before level changes became applications: it was
        # offered and priced, so the money still does what it was paid for.
        from tenant_apps.memberships.services import membership_change_level

        membership_change_level(acting_user=actor, membership=order.membership,
                                member_type=order.member_type, rank=order.rank)
    elif order.kind == Order.Kind.RENEWAL and order.membership_id:
        from tenant_apps.memberships.services import membership_extend

        membership_extend(acting_user=actor, membership=order.membership, years=order.years,
                          order=order)
        notify(event="payment_confirmed", user=order.payer,
               application=getattr(order.membership, "application", None),
               params={"member_type": order.member_type.name,
                       "amount": _yuan(order.amount_fen), "years": order.years,
                       "order_number": order.number})


@transaction.atomic
def orders_cancel_for_application(*, application: Application, actor) -> int:
    """Cancel the application's unpaid orders (it is withdrawn). An order whose voucher
    finance is checking cannot be cancelled: the withdrawal is refused instead."""
    count = 0
    for order in Order.objects.select_for_update(of=("self",)).filter(
            application=application, status__in=[OrderStatus.PENDING,
                                                 OrderStatus.AWAITING_CONFIRMATION,
                                                 OrderStatus.PAID]):
        if order.status != OrderStatus.PENDING:
            raise AppError("payment_in_progress", _(
                "A payment of this application is being confirmed; it cannot be withdrawn "
                "now."), status=409)
        order_move(order, OrderStatus.CANCELLED, actor=actor, action="cancelled_withdrawn")
        count += 1
    return count


@transaction.atomic
def orders_cancel_for_membership(*, membership, actor, kinds: tuple[str, ...] | None = None,
                                 refusal: str | None = None) -> int:
    """Cancel a withdrawing member's open orders (renewals, level changes), or only those of
    `kinds` (a renewal by hand cancels the unpaid renewal orders it replaces). An order whose
    bank transfer finance is checking holds the withdrawal back, as for an application
    (`refusal`: the message then, when it is not a withdrawal)."""
    count = 0
    orders = Order.objects.select_for_update(of=("self",)).filter(
        Q(membership=membership) | Q(payer=membership.user), status__in=[
            OrderStatus.PENDING, OrderStatus.AWAITING_CONFIRMATION, OrderStatus.PAID])
    if kinds:
        orders = orders.filter(kind__in=kinds)
    for order in orders:
        if order.status != OrderStatus.PENDING:
            raise AppError("payment_in_progress", refusal or _(
                "A payment of this member is being confirmed; the membership cannot be "
                "withdrawn now."), status=409)
        order_move(order, OrderStatus.CANCELLED, actor=actor,
                   action="cancelled_withdrawn" if kinds is None else "replaced")
        count += 1
    return count


# The ways staff record money received outside the platform.
OUTSIDE_METHODS = (PaymentMethod.CASH, PaymentMethod.BANK, PaymentMethod.OTHER)


@dataclass(frozen=True)
class OutsidePayment:
    """Money received outside the platform (cash at a meeting, 现场缴费; a transfer that
    never went through an order): how, how much in fen (checked against the order), and a
    note for finance (a paper receipt's number)."""

    method: str
    amount_fen: int
    note: str = ""


@transaction.atomic
def order_paid_outside(*, membership, actor, years: int, payment: OutsidePayment,
                       reason: str = "") -> Order:
    """A renewal order for money received outside the platform, confirmed at once by
    `order_settle` (its effects applied there: the validity extended, the member told). The
    order is made at the fee in force for `years` years, as the member's own would be; the
    amount staff received must be that amount. Called by memberships.services.
    membership_renew_by_hand, which checks who may."""
    from huiji.reasons import reason_checked

    if payment.method not in OUTSIDE_METHODS:
        raise AppError("bad_method", _("Choose how the money was received."), field="method")
    note = reason_checked(payment.note, field="note")
    unit = renewal_price(membership)
    if unit == 0:
        raise AppError("nothing_to_pay", _("This membership has no fee to pay; extend it "
                                           "free of charge instead."), field="amount")
    if payment.amount_fen != unit * years:
        raise AppError("wrong_amount", _(
            "The amount received must be the fee for these years: %(amount)s yuan. For less "
            "(or nothing), extend the membership free of charge and give the reason.")
            % {"amount": _yuan(unit * years)}, field="amount")
    order = _create_order(kind=Order.Kind.RENEWAL, payer=membership.user,
                          membership=membership, member_type=membership.member_type,
                          rank=membership.rank, years=years, unit=unit)
    audit_record(actor=actor, action="order.created", target=order, reason=reason,
                 data={"number": order.number, "amount_fen": order.amount_fen,
                       "years": years, "kind": "renewal", "outside": True})
    settled = order_settle(order=order, actor=actor, method=payment.method, via="outside",
                           data={"note": note})
    if not settled.applied:  # a new order always takes it; never silently unpaid
        raise AppError("not_payable", settled.reason, status=409)
    return settled.order


@transaction.atomic
def order_for_renewal(*, membership, actor, years: int) -> Order:
    """A renewal order for `years` years at the fee in force now (fixed on the order). One
    open renewal at a time; an unpaid one for other years is replaced."""
    from tenant_apps.memberships.models import Membership

    membership = Membership.objects.select_for_update(of=("self",)).select_related(
        "member_type", "rank").get(pk=membership.pk)
    if membership.user_id != getattr(actor, "pk", None):
        raise Forbidden()
    from tenant_apps.memberships.rules import renewal_terms

    terms = renewal_terms(membership)
    if not terms.open:
        raise AppError("renewal_closed", terms.reason, status=409)
    if years not in terms.options:
        raise AppError("bad_years", _("Choose one of the offered numbers of years."),
                       field="years")
    current = Order.objects.select_for_update().filter(
        membership=membership, kind=Order.Kind.RENEWAL,
        status__in=[OrderStatus.PENDING, OrderStatus.AWAITING_CONFIRMATION]).first()
    if current is not None:
        if current.years == years or current.status != OrderStatus.PENDING:
            return current
        order_move(current, OrderStatus.CANCELLED, actor=actor, action="replaced")
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
    """Unpaid orders past their pay-by time expire (run by beat in every association).
    Orders started at an online gateway that is still enabled are left to reconciliation
    (payments.orders_reconcile), which expires them once the gateway has closed the trade:
    while it cannot be reached, a payment there may exist that no notification told of."""
    from tenant_apps.billing.gateways import account_for

    now = now or timezone.now()
    expired = 0
    online = [m for m in (PaymentMethod.WECHAT, PaymentMethod.ALIPAY)
              if account_for(m) is not None]
    for order in Order.objects.select_for_update(skip_locked=True).filter(
            status=OrderStatus.PENDING, expires_at__lt=now).exclude(method__in=online):
        order_move(order, OrderStatus.EXPIRED, actor=None, action="expired")
        expired += 1
    return expired


# --- the revenue summary (billing/reports.py reads it) ---------------------------------------

def revenue_count(order: Order, sign: int) -> None:
    """Add (+1) or take back (-1) a confirmed order in the revenue summary of its day, type
    and method: one upsert, safe under concurrent confirmations (the row's lock)."""
    from django.db import connection

    day = timezone.localtime(order.confirmed_at or order.created_at).date()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_revenueday AS r "
            "(day, member_type_id, method, orders, total_fen) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (day, member_type_id, method) DO UPDATE SET "
            "orders = r.orders + EXCLUDED.orders, total_fen = r.total_fen + EXCLUDED.total_fen",
            [day, order.member_type_id, order.method or "", sign, sign * order.amount_fen])


@transaction.atomic
def revenue_rebuild() -> int:
    """The revenue summary again from the confirmed orders (after a restore, or to check
    it: `manage.py revenue_rebuild`). Returns the number of summary rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE billing_revenueday IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM billing_revenueday")
        cursor.execute(
            "INSERT INTO billing_revenueday (day, member_type_id, method, orders, total_fen) "
            "SELECT (coalesce(confirmed_at, created_at) AT TIME ZONE %s)::date, "
            "member_type_id, method, count(*), sum(amount_fen) "
            "FROM billing_order WHERE status = %s "
            "GROUP BY 1, 2, 3", [settings.TIME_ZONE, OrderStatus.CONFIRMED])
        return cursor.rowcount
