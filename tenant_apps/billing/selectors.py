from __future__ import annotations

from tenant_apps.accounts.capabilities import can
from tenant_apps.billing.models import Order, OrderStatus, PaymentMethod, PaymentNotice, Voucher
from tenant_apps.configuration.models import Notice
from tenant_apps.configuration.selectors import bank_account, payment_methods  # noqa: F401


def my_orders(user, *, status: str = "", kind: str = "", method: str = "",
              number: str = "") -> list[Order]:
    """The member's orders, filtered by status, kind, payment method and number."""
    rows = Order.objects.filter(payer=user).select_related("member_type", "rank")
    if status in OrderStatus.values:
        rows = rows.filter(status=status)
    if kind in Order.Kind.values:
        rows = rows.filter(kind=kind)
    if method in PaymentMethod.values:
        rows = rows.filter(method=method)
    if number.strip():
        rows = rows.filter(number__contains=number.strip())
    return list(rows)


def my_invoices(user):
    """The member's receipt requests with their orders, newest first."""
    from tenant_apps.billing.models import InvoiceRequest

    return list(InvoiceRequest.objects.filter(order__payer=user).select_related(
        "order", "receipt"))


def payment_notices(outcome: str = "", limit: int = 200) -> list[PaymentNotice]:
    """The newest payment notifications received, optionally of one outcome."""
    rows = PaymentNotice.objects.all()
    if outcome in PaymentNotice.Outcome.values:
        rows = rows.filter(outcome=outcome)
    return list(rows[:limit])


FINANCE_ORDERS_PAGE = 50
PAYERS_LISTED = 1000


def finance_orders(query: str = "", status: str = "", limit: int = FINANCE_ORDERS_PAGE,
                   offset: int = 0) -> list[Order]:
    """The newest orders (`limit` of them from `offset`), or those finance looks up by
    number, reference, payer phone or the start of the payer's name; each carries
    `to_refund`: money arrived for it that it could not take (it was already paid, cancelled
    or expired, or its application withdrawn), online or on a bank statement. Each way of
    finding is its own indexed lookup (an OR across the payer's join would read every
    order); newest first by `created_at`, whose index serves the unfiltered list."""
    from django.db.models import Exists, OuterRef

    from tenant_apps.billing.models import StatementLine

    rows = Order.objects.select_related("payer", "member_type").order_by("-created_at", "-pk")
    if query:
        rows = rows.filter(pk__in=_orders_found(query, status, offset + limit))
    if status in OrderStatus.values:
        rows = rows.filter(status=status)
    return list(rows.annotate(to_refund=Exists(PaymentNotice.objects.filter(
        order_number=OuterRef("number"), outcome=PaymentNotice.Outcome.TO_REFUND)) | Exists(
        StatementLine.objects.filter(order=OuterRef("pk"),
                                     status=StatementLine.Status.TO_REFUND)))
        [offset:offset + limit])


def _orders_found(query: str, status: str, limit: int) -> list[int]:
    """The ids of the orders `query` names: by number or transfer reference (unique), or
    the newest `limit` of the payers whose phone it is or whose name starts with it."""
    from django.db.models import Q

    from tenant_apps.accounts.models import User

    found = list(Order.objects.filter(Q(number=query) | Q(transfer_reference=query.upper()))
                 .values_list("pk", flat=True))
    payers = User.objects.filter(Q(phone=query) | Q(name__startswith=query))
    few = list(payers.values_list("pk", flat=True)[:PAYERS_LISTED + 1])
    # A few payers (a phone, most names): their orders by the payer index. Many (a common
    # surname): a subquery, so the newest orders are read in order until enough match (with
    # a rare name that walk would read every order).
    theirs = Order.objects.filter(payer__in=few if len(few) <= PAYERS_LISTED
                                  else payers.values("pk"))
    if status in OrderStatus.values:
        theirs = theirs.filter(status=status)
    return found + list(theirs.order_by("-created_at", "-pk").values_list("pk", flat=True)
                        [:limit])


def my_order(user, number: str) -> Order | None:
    return Order.objects.filter(payer=user, number=number).select_related(
        "member_type", "rank", "application").first()


def transfer_notice() -> Notice | None:
    return Notice.objects.filter(kind=Notice.Kind.BANK_TRANSFER).order_by("-version").first()


def voucher_queue(user) -> list[Voucher]:
    if not can(user, "finance.manage"):
        return []
    return list(Voucher.objects.filter(status=Voucher.Status.PENDING).select_related(
        "order", "order__payer", "order__member_type", "file").order_by("created_at"))


def voucher_for_finance(user, pk: int) -> Voucher | None:
    if not user.is_authenticated or not can(user, "finance.manage"):
        return None
    return Voucher.objects.filter(pk=pk).select_related("order", "order__payer", "file").first()


def fee_years(membership) -> list[dict]:
    """The member's fee record year by year (CACEM shows it so), from the periods kept
    (memberships.MembershipPeriod): each fee year a period paid for, by which order and
    method, whether a receipt was issued; a year from joining to now that no period pays is
    a gap, and arrears (欠费) unless the type is free."""
    import datetime as dt

    from django.utils import timezone

    from tenant_apps.billing.models import InvoiceRequest
    from tenant_apps.billing.pricing import renewal_price

    today = timezone.localdate()
    free = renewal_price(membership) == 0  # a free type owes nothing, ever
    periods = list(membership.periods.select_related("order"))
    covered: dict[int, object] = {}
    free_years = set()  # years staff extended free of charge (a complimentary period)
    for period in periods:
        for offset in range(period.years):
            covered[period.starts_on.year + offset] = period.order
            if period.kind == "complimentary":
                free_years.add(period.starts_on.year + offset)
            else:
                free_years.discard(period.starts_on.year + offset)
    first = min([membership.valid_from.year, *covered]) if covered else \
        membership.valid_from.year
    last = max([today.year, *covered]) if covered else today.year
    orders = [o for o in covered.values() if o is not None]
    invoiced = set(InvoiceRequest.objects.filter(order__in=orders, status="issued")
                   .values_list("order_id", flat=True)) if orders else set()
    rows = []
    for y in range(first, last + 1):
        paid = y in covered
        order = covered.get(y)
        rows.append({
            "year": y, "paid": paid, "order": order, "complimentary": y in free_years,
            "amount_fen": order.unit_amount_fen if order else None,
            "method": order.get_method_display() if order else "",
            "invoiced": bool(order and order.pk in invoiced),
            "arrears": not paid and not free and dt.date(y, 1, 1) <= today,
        })
    return rows


def receipt_initial(order: Order) -> dict[str, str]:
    """What the receipt form starts with. A unit's receipt is made out to the unit: its
    name and credit code from the fields its profile marks `receipt: title | tax_id` (a
    credit-code field when none is marked), not the handler's own name; the contact is the
    person who asks. Individuals get their own name."""
    from tenant_apps.applications.engine import form_steps, receipt_answer

    payer = order.payer
    initial = {"title": payer.name, "tax_id": "", "name": payer.name,
               "phone": payer.phone or "", "email": payer.email or "", "address": "",
               "postcode": "", "note": ""}
    if order.member_type.kind != "unit":
        return initial
    doc, answers = _unit_answers(order)
    if doc is None:
        return initial
    fields = [f for step in form_steps(doc) for f in step.fields]
    uscc = next((f for f in fields if f["type"] == "uscc"), None)
    initial["title"] = receipt_answer(doc, answers, "title") or initial["title"]
    initial["tax_id"] = receipt_answer(doc, answers, "tax_id") or (
        str(answers.get(uscc["key"]) or "").strip() if uscc else "")
    return initial


def _unit_answers(order: Order) -> tuple[dict | None, dict]:
    """The unit's type document and its current answers: the member record's values (kept
    current by reviewed changes: a renamed unit's receipt has the new name), else the
    order's own application (a joining fee paid before activation)."""
    from tenant_apps.applications.engine import type_document
    from tenant_apps.applications.models import Application, Status
    from tenant_apps.records.models import MemberRecord
    from tenant_apps.records.services import record_type_doc

    record = MemberRecord.objects.filter(membership__user=order.payer).select_related(
        "membership__member_type").first()
    if record is not None:
        return record_type_doc(record), record.values or {}
    application = order.application or Application.objects.filter(
        applicant=order.payer, status=Status.COMPLETED).select_related(
        "revision", "member_type").order_by("-pk").first()
    if application is None:
        return None, {}
    try:
        return (type_document(application.revision.document, application.member_type.code),
                application.answers or {})
    except KeyError:
        return None, {}
