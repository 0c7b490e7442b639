"""Online payments: starting one at the gateway, applying verified notifications exactly
once, and reconciling orders whose notification never came."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from huiji.payments import PaymentError, PaymentRequest, PaymentStart
from huiji.payments.base import Notification, VerificationError
from tenant_apps.billing.gateways import account_for, gateway_for, merchant_of
from tenant_apps.billing.models import Order, OrderStatus, PaymentNotice
from tenant_apps.billing.services import (
    order_locked,
    order_move,
    order_settle,
    order_settle_online,
)

logger = logging.getLogger(__name__)
SCENES = {"wechat": {"native", "h5", "jsapi"}, "alipay": {"precreate", "page"}}
RECONCILE_AFTER = dt.timedelta(minutes=5)


def payment_start(*, order: Order, actor, method: str, scene: str, notify_url: str = "",
                  client_ip: str = "127.0.0.1", return_url: str = "",
                  openid: str = "") -> PaymentStart:
    """Create the trade at the gateway for an unpaid order (its amount is the order's). The
    gateway's callbacks go to `notify_url`, by default the association's own primary domain:
    never a host named by the request, which its sender chooses. WeChat JSAPI (paying
    inside WeChat) needs the payer's `openid` from WeChat's OAuth (billing.wechat_oauth)."""
    from django.urls import reverse

    account = account_for(method)
    if account is None or scene not in SCENES.get(method, ()):
        raise AppError("method_unavailable", _("This payment method is not available."),
                       field="method")
    if scene == "jsapi" and not openid:
        raise AppError("openid_required", _("Paying inside WeChat needs your WeChat "
                                            "authorisation first."), field="openid",
                       details={"authorize": reverse("billing:wechat-oauth", args=[
                           order.number])})
    notify_url = notify_url or notify_url_for(method)
    with transaction.atomic():
        order = order_locked(order)
        if order.payer_id != getattr(actor, "pk", None):
            raise AppError("not_found", _("Not found."), status=404)
        if order.status != OrderStatus.PENDING:
            raise AppError("not_payable", _("This order is not waiting for payment."),
                           status=409)
    try:
        # The order's number is the trade's out_trade_no: starting again after a failure (or
        # twice) names the same trade at the gateway, never a second one.
        started = gateway_for(account).start(PaymentRequest(
            order_number=order.number, amount_fen=order.amount_fen,
            description=f"{order.member_type.name} {order.get_kind_display()}",
            notify_url=notify_url, scene=scene, client_ip=client_ip, return_url=return_url,
            openid=openid))
    except PaymentError as exc:
        # Nothing changed here: the order stays payable, by this method later or another.
        logger.warning("payment start failed for %s: %s", order.number, exc)
        raise AppError("gateway_error", _("The payment service did not answer. Please try "
                                          "again shortly."), status=503) from exc
    # Recorded only once the gateway holds the trade: reconciliation asks this method's
    # gateway about the order (and, past its pay-by time, closes the trade there).
    Order.objects.filter(pk=order.pk, status=OrderStatus.PENDING).update(method=method)
    return started


def notify_url_for(method: str) -> str:
    """Where the gateway sends notifications: the current association's configured primary
    domain (tenants' Domain table)."""
    from huiji.tenancy.current import current_association
    from tenants.services import association_url

    return association_url(current_association(), f"/payments/notify/{method}/")


def payment_notified(*, method: str, headers: dict, body: bytes,
                     ip: str | None = None) -> PaymentNotice:
    """A gateway's notification: verified before anything else, then applied at most once.
    Returns the log row; the caller answers the gateway "success" unless it was refused.
    Refusals before verification come from anyone: past the per-minute caps they are
    answered but not stored (the row returned is unsaved). Verified ones are always kept."""
    account = account_for(method)
    if account is None:
        return _refused_unverified(method, "no enabled account for this method", ip)
    try:
        notification = gateway_for(account).verify_notification(headers, body)
    except (VerificationError, ValueError, KeyError) as exc:
        return _refused_unverified(method, f"verification: {exc}", ip)
    return payment_apply(notification=notification, expected_merchant=merchant_of(account),
                         expected_app_id=account.settings.get("app_id", ""))


def _refused_unverified(method: str, detail: str, ip: str | None) -> PaymentNotice:
    notice = PaymentNotice(provider=method, outcome=PaymentNotice.Outcome.REFUSED,
                           detail=detail)
    if _refusal_within_caps(ip):
        logger.warning("refused a %s notification from %s: %s", method, ip, detail)
        notice.save()
    return notice


def _refusal_within_caps(ip: str | None) -> bool:
    """Whether one more unverified refusal may be stored: at most so many a minute from one
    address, and so many stored in all for this association (the cache is tenant-keyed), so
    one flooding address does not use up the others' share. Each window starts at its first
    count; incr is atomic in Redis and in the local memory cache."""
    caps = [("all", settings.PAYMENT_REFUSED_NOTICES_PER_MINUTE)]
    if ip:
        caps.insert(0, (f"ip:{ip}", settings.PAYMENT_REFUSED_NOTICES_PER_IP_PER_MINUTE))
    for name, cap in caps:
        key = f"pay-refused:{name}"
        cache.add(key, 0, timeout=60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            count = 1
            cache.set(key, count, timeout=60)
        if count > cap:
            if count == cap + 1:  # once per window, not once per dropped notification
                logger.warning("refused payment notifications over %d a minute (%s): "
                               "no longer stored until the minute is over", cap, name)
            return False
    return True


def payment_apply(*, notification: Notification, expected_merchant: str,
                  expected_app_id: str = "") -> PaymentNotice:
    """Apply a verified payment at most once and log what was done. In the common cases one
    statement decides: a first delivery claims its order (`order_settle_online`), a copy of
    an applied one is logged as a duplicate from the order's unique transaction id
    (`_duplicate_logged`). Anything else (unknown order, another amount, money the order
    cannot take) is read under the order's lock."""
    def log(outcome: str, detail: str = "") -> PaymentNotice:
        return PaymentNotice.objects.create(
            provider=notification.provider, order_number=notification.order_number,
            transaction_id=notification.transaction_id, amount_fen=notification.amount_fen,
            verified=True, outcome=outcome, detail=detail)

    if not notification.paid:
        return log("refused", "not a successful payment")
    if notification.merchant != expected_merchant:
        return log("refused", f"merchant {notification.merchant} is not ours")
    app_id = notification.data.get("app_id", "")
    if expected_app_id and app_id != expected_app_id:
        return log("refused", f"app id {app_id} is not ours")
    try:
        with transaction.atomic():
            if order_settle_online(number=notification.order_number,
                                   amount_fen=notification.amount_fen,
                                   method=notification.provider,
                                   transaction_id=notification.transaction_id) is not None:
                return log("applied")
            duplicate = _duplicate_logged(notification)
            if duplicate is not None:
                return duplicate
            order = Order.objects.select_for_update(of=("self",)).filter(
                number=notification.order_number).select_related("application").first()
            if order is None:
                return log("refused", "unknown order")
            if notification.amount_fen != order.amount_fen:
                return log("refused", f"amount {notification.amount_fen} is not the order's "
                                      f"{order.amount_fen}")
            if order.provider_transaction_id == notification.transaction_id:
                return log("duplicate")
            if PaymentNotice.objects.filter(
                    provider=notification.provider, transaction_id=notification.transaction_id,
                    outcome=PaymentNotice.Outcome.TO_REFUND).exists():
                return log("duplicate", "already recorded as money to refund")
            settled = order_settle(order=order, actor=None, method=notification.provider,
                                   via="online", transaction_id=notification.transaction_id)
            if not settled.applied:
                return _to_refund(settled.order, notification, settled.reason, log)
            return log("applied")
    except IntegrityError:
        # The same transaction id raced in through another notification: already applied
        # (or already flagged for a refund).
        return log("duplicate", "concurrent duplicate")


def _duplicate_logged(notification: Notification) -> PaymentNotice | None:
    """A copy of a notification already applied to its order (the order holds its transaction
    id, unique): logged as a duplicate in one statement, found through that unique index
    without waiting for any lock. None, and nothing written, otherwise."""
    from django.db import connection

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(  # table names from the models; values are parameters
            f"INSERT INTO {PaymentNotice._meta.db_table} (provider, received_at, order_number, "  # noqa: S608
            "transaction_id, amount_fen, verified, outcome, detail) "
            "SELECT %s, %s, %s, %s, %s, true, %s, '' WHERE EXISTS ("
            f"SELECT 1 FROM {Order._meta.db_table} WHERE provider_transaction_id = %s "
            "AND number = %s AND amount_fen = %s) RETURNING id",
            [notification.provider, now, notification.order_number,
             notification.transaction_id, notification.amount_fen,
             PaymentNotice.Outcome.DUPLICATE, notification.transaction_id,
             notification.order_number, notification.amount_fen])
        row = cursor.fetchone()
    if row is None:
        return None
    return PaymentNotice(
        id=row[0], provider=notification.provider, received_at=now,
        order_number=notification.order_number, transaction_id=notification.transaction_id,
        amount_fen=notification.amount_fen, verified=True,
        outcome=PaymentNotice.Outcome.DUPLICATE, detail="")


def _to_refund(order: Order, notification: Notification, reason: str, log) -> PaymentNotice:
    """Verified money the order cannot take (already paid otherwise, cancelled, expired, its
    application withdrawn): kept as money to refund, once per transaction, never credited.
    The caller holds the order's row lock, so two copies cannot both flag (the unique
    constraint is the backstop); the gateway is answered success so it stops retrying."""
    audit_record(actor=None, action="order.to_refund", target=order, data={
        "number": order.number, "status": order.status, "method": order.method,
        "provider": notification.provider, "transaction": notification.transaction_id,
        "amount_fen": notification.amount_fen, "reason": str(reason)})
    return log(PaymentNotice.Outcome.TO_REFUND,
               f"{reason} ({order.method or '-'}); refund this transaction")


def orders_reconcile(now: dt.datetime | None = None) -> int:
    """Ask the gateway about online orders still unpaid a while after they were started: a
    lost notification then loses no payment, and abandoned trades are closed at expiry.
    Online orders cancelled within the pay period are asked about too (money paid on one
    is recorded to refund), unless already flagged. An order that fails is logged and the
    run goes on with the next."""
    from django.db.models import Exists, OuterRef, Q

    now = now or timezone.now()
    applied = 0
    flagged = PaymentNotice.objects.filter(order_number=OuterRef("number"),
                                           outcome=PaymentNotice.Outcome.TO_REFUND)
    pending = Order.objects.filter(
        Q(status=OrderStatus.PENDING) | Q(
            status=OrderStatus.CANCELLED,
            created_at__gte=now - dt.timedelta(days=settings.ORDER_PAY_WITHIN_DAYS + 1)),
        method__in=["wechat", "alipay"], created_at__lt=now - RECONCILE_AFTER).exclude(
        Exists(flagged)).order_by("created_at")
    for order in pending:
        try:
            applied += _reconcile_one(order, now)
        except Exception:  # one order's trouble never stops the others
            logger.exception("reconcile %s failed; going on with the next order", order.number)
    return applied


def _reconcile_one(order: Order, now: dt.datetime) -> int:
    account = account_for(order.method)
    if account is None:
        return 0
    gateway = gateway_for(account)
    try:
        result = gateway.query(order.number)
    except PaymentError as exc:
        # Unreachable or refusing: the order is left untouched and asked again next run.
        logger.warning("reconcile %s: the gateway did not answer, left for the next run: %s",
                       order.number, exc)
        return 0
    if result.state == "paid":
        notice = payment_apply(notification=Notification(
            provider=order.method, order_number=order.number,
            transaction_id=result.transaction_id, amount_fen=result.amount_fen,
            merchant=merchant_of(account), paid=True), expected_merchant=merchant_of(account))
        return int(notice.outcome == "applied")
    if order.expires_at < now or order.status == OrderStatus.CANCELLED:
        # An abandoned or cancelled trade is closed at the gateway; an unpaid order expires
        # only once it is (orders_expire leaves online orders to this): a payment made just
        # before the pay-by time is then never lost to an expiry the gateway was not asked
        # about. A gateway that does not answer leaves the order as it is, for the next run.
        try:
            gateway.close(order.number)
        except PaymentError as exc:
            logger.warning("reconcile %s: could not close the trade: %s", order.number, exc)
            return 0
        if order.status == OrderStatus.PENDING:
            with transaction.atomic():
                order = order_locked(order)
                if order.status == OrderStatus.PENDING and order.expires_at < now:
                    order_move(order, OrderStatus.EXPIRED, actor=None, action="expired")
    return 0


@transaction.atomic
def order_refund(*, order: Order, actor, reason: str) -> Order:
    """Finance refunds a paid order through the gateway it was paid with, once."""
    order = order_locked(order)
    if order.status != OrderStatus.CONFIRMED or order.method not in ("wechat", "alipay"):
        raise AppError("not_refundable", _("Only orders paid online can be refunded here."),
                       status=409)
    account = account_for(order.method)
    if account is None:
        raise AppError("method_unavailable", _("This payment method is not available."))
    try:
        gateway_for(account).refund(order.number, f"R{order.number}", order.amount_fen,
                                    order.amount_fen)
    except PaymentError as exc:
        raise AppError("gateway_error", _("The payment service did not answer. Please try "
                                          "again shortly."), status=503) from exc
    order_move(order, OrderStatus.REFUNDED, actor=actor, action="refunded", data={"reason": reason})
    audit_record(actor=actor, action="order.refund", target=order, reason=reason)
    return order
