"""Orders and the money that settles them. Amounts are integer fen, fixed on the order when
it is made; a fee change afterwards never changes an order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenant_apps.configuration.models import MemberType, Rank


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Not paid yet")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
    PAID = "paid", _("Paid")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class PaymentMethod(models.TextChoices):
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    BANK = "bank", _("Bank transfer")
    # Money received outside the platform, recorded by staff (billing.services.
    # order_paid_outside): cash at a meeting (现场缴费), or another way.
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other, outside the platform")


class Order(models.Model):
    class Kind(models.TextChoices):
        JOIN = "join", _("Joining fee")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Level change")

    number = models.CharField(_("order number"), max_length=32, unique=True)
    # Written on the remittance so finance can match a bank transfer to this order.
    transfer_reference = models.CharField(_("transfer reference"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="orders")
    application = models.ForeignKey("applications.Application", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="orders")
    membership = models.ForeignKey("memberships.Membership", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="orders")
    member_type = models.ForeignKey(MemberType, on_delete=models.PROTECT, related_name="+")
    rank = models.ForeignKey(Rank, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    years = models.PositiveSmallIntegerField(_("years"))
    unit_amount_fen = models.PositiveBigIntegerField(_("yearly fee (fen)"))
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    status = models.CharField(_("status"), max_length=24, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING, db_index=True)
    method = models.CharField(_("payment method"), max_length=10,
                              choices=PaymentMethod.choices, blank=True)
    provider_transaction_id = models.CharField(max_length=64, null=True, blank=True,
                                               unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("pay by"))
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(
            fields=["application"], condition=models.Q(status__in=[
                "pending", "awaiting_confirmation", "paid"]),
            name="one_open_order_per_application")]
        indexes = [
            # finance's order list: newest first, of one status or all
            models.Index(fields=["-created_at"], name="order_newest"),
            models.Index(fields=["status", "-created_at"], name="order_status_newest"),
        ]

    def __str__(self) -> str:
        return self.number


class Voucher(models.Model):
    """A bank-transfer voucher a payer uploaded, and finance's decision on it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for finance")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="vouchers")
    file = models.OneToOneField("files.PrivateFile", on_delete=models.PROTECT,
                                related_name="voucher")
    payer_name = models.CharField(_("remitter"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # finance's voucher queue: the pending ones, oldest first
        indexes = [models.Index(fields=["status", "created_at"], name="voucher_queue")]

    def __str__(self) -> str:
        return f"voucher for {self.order}"


class RevenueDay(models.Model):
    """Confirmed money of one day (Beijing time, by `Order.confirmed_at`), member type and
    method: the revenue page's summary (billing/reports.py), kept by `order_move` as orders
    are confirmed and refunded (`revenue_count`), and rebuilt from the orders by
    `revenue_rebuild` (`manage.py revenue_rebuild`). Its sums equal those of the confirmed
    orders."""

    day = models.DateField()
    member_type = models.ForeignKey(MemberType, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, blank=True)
    orders = models.IntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "member_type", "method"],
                                               name="one_revenue_row_per_day_type_method")]

    def __str__(self) -> str:
        return f"{self.day} {self.member_type_id} {self.method}: {self.total_fen}"


class PaymentNotice(models.Model):
    """Every payment notification received, verified or not, and what was done with it: the
    trail finance reads when a payment is disputed."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DUPLICATE = "duplicate", _("Already applied")
        REFUSED = "refused", _("Refused")
        # Verified money the order cannot take: it was already paid otherwise (a bank
        # transfer confirmed on its voucher, another gateway's payment), it was cancelled or
        # expired, or its application was withdrawn. Kept, never credited: finance refunds it.
        TO_REFUND = "to_refund", _("To refund")

    provider = models.CharField(max_length=10)
    received_at = models.DateTimeField(auto_now_add=True)
    order_number = models.CharField(max_length=40, blank=True, db_index=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(
            # Money to refund is flagged once per transaction, whatever the gateway's retries.
            fields=["provider", "transaction_id"], condition=models.Q(outcome="to_refund"),
            name="one_refund_flag_per_transaction")]

    def __str__(self) -> str:
        return f"{self.provider} {self.order_number} {self.outcome}"


class InvoiceRequest(models.Model):
    """A request for the fee receipt (e-invoice) of a paid order, and the issued PDF."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    class Kind(models.TextChoices):
        AFTER_PAYMENT = "after_payment", _("After payment")
        BORROW = "borrow", _("Borrowed before payment")

    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.AFTER_PAYMENT)
    status = models.CharField(max_length=10, choices=Status.choices,
                              default=Status.REQUESTED, db_index=True)
    # A borrowed receipt is lent against this request, printed, stamped and uploaded.
    stamped_request = models.OneToOneField("files.PrivateFile", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("invoice title"), max_length=200)
    tax_id = models.CharField(_("USCC or taxpayer id"), max_length=20, blank=True)
    name = models.CharField(_("contact name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"))
    address = models.CharField(_("postal address"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    receipt = models.OneToOneField("files.PrivateFile", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="invoice")
    reissue_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="reissues")
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["order"], condition=models.Q(status="requested"),
            name="one_open_invoice_request_per_order")]

    def __str__(self) -> str:
        return f"invoice {self.title} for {self.order}"


class StatementLine(models.Model):
    """A credit line of an imported bank statement, and what it was matched to."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched and confirmed")
        DOUBTFUL = "doubtful", _("For a person to check")
        # The line names an order that cannot take money (already paid, cancelled, expired,
        # its application withdrawn): finance refunds it, or settles it against another order.
        TO_REFUND = "to_refund", _("To refund")
        SETTLED = "settled", _("Settled by hand")
        DISMISSED = "dismissed", _("Not a fee")

    # The same line imported twice (an overlapping statement) is recognised and not applied
    # again.
    fingerprint = models.CharField(max_length=64, unique=True)
    booked_on = models.DateField(_("date"), null=True, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    payer = models.CharField(_("payer"), max_length=200, blank=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="statement_lines")
    note = models.CharField(max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-imported_at", "id"]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount_fen} {self.memo}"
