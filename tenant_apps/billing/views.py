"""Paying (members) and confirming money (finance)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from huiji.clientip import client_ip
from huiji.errors import AppError
from huiji.forms import parsed
from tenant_apps.accounts.capabilities import can
from tenant_apps.applications.models import Application, Status
from tenant_apps.applications.services import fee_due_fen, type_doc
from tenant_apps.billing import selectors
from tenant_apps.billing.forms import (
    InvoiceReissueForm,
    StatementLineForm,
    VoucherForm,
    YearsForm,
)
from tenant_apps.billing.models import OrderStatus
from tenant_apps.billing.services import (
    order_cancel,
    order_for_application,
    voucher_decide,
    voucher_upload,
)


@login_required
def pay(request):
    """Choose how many years to pay for the approved application, then the order."""
    from tenant_apps.applications.selectors import join_progress

    application = Application.objects.filter(
        applicant=request.user, status=Status.AWAITING_PAYMENT).select_related(
        "revision", "member_type", "rank", "membership_changed").first()
    if application is None:
        return redirect("members:home")
    if application.purpose == Application.Purpose.LEVEL_CHANGE:
        from tenant_apps.billing.pricing import level_change_price

        price = level_change_price(application.membership_changed, application.member_type,
                                   application.rank)
        unit, years = price.amount_fen // price.years, [price.years]
    else:
        unit, years = fee_due_fen(application), type_doc(application)["years"]
    return _order_for_years(
        request, unit, years, "billing/pay.html",
        {"application": application, "methods": selectors.payment_methods(),
         "progress": join_progress(application)},
        lambda years: order_for_application(application=application, actor=request.user,
                                            years=years))


@login_required
def invoices(request):
    return render(request, "billing/my_invoices.html",
                  {"invoices": selectors.my_invoices(request.user)})


@login_required
def orders(request):
    from tenant_apps.billing.models import Order, PaymentMethod

    f = {k: request.GET.get(k, "") for k in ("status", "kind", "method", "number")}
    return render(request, "billing/orders.html", {
        "orders": selectors.my_orders(request.user, **f), "f": f,
        "statuses": OrderStatus.choices, "kinds": Order.Kind.choices,
        "methods": PaymentMethod.choices})


@login_required
def notices(request):
    """Every payment notification received, with what was done: refused and unsettled ones
    are finance's to look into."""
    from tenant_apps.billing.models import PaymentNotice

    _finance(request)
    outcome = request.GET.get("outcome", "")
    return render(request, "billing/notices.html", {
        "rows": selectors.payment_notices(outcome), "outcomes": PaymentNotice.Outcome.choices,
        "outcome": outcome})


@login_required
def order(request, number):
    found = selectors.my_order(request.user, number)
    if found is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            if "file" not in request.FILES:
                raise AppError("file_required", _("Choose a file first."), field="file")
            details = parsed(VoucherForm, request.POST)
            voucher_upload(order=found, actor=request.user, uploaded=request.FILES["file"],
                           payer_name=details["payer_name"], note=details["note"])
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Voucher received. Finance will confirm the money."))
            return redirect("billing:order", found.number)
    return _order_page(request, found, error, voucher_values={
        k: request.POST.get(k, "") for k in ("payer_name", "note")} if error else None)


def _wechat_oauth_available() -> bool:
    from tenant_apps.billing.wechat_oauth import oauth_available

    return oauth_available()


def _order_page(request, found, error=None, status=None, *, voucher_values=None,
                invoice_values=None, invoice_error=None):
    """The order with its ways to pay (only those configured and enabled), vouchers and
    receipts; 400 with the voucher's `error` shown beside its form. After a refused
    voucher or receipt request, what was typed (`*_values`) stays in the form."""
    from tenant_apps.billing.invoices import FIELDS

    methods = selectors.payment_methods()
    if invoice_values is not None:
        invoice_form = {k: invoice_values.get(k, "") for k in (*FIELDS, "reason")}
    else:
        invoice_form = {**selectors.receipt_initial(found), "reason": ""}
    return render(request, "billing/order.html", {
        "order": found, "bank": methods.bank, "bank_rows": methods.bank_rows,
        "notice": selectors.transfer_notice(),
        "wechat": methods.wechat, "alipay": methods.alipay, "no_method": not methods.any,
        # phones get the gateways' mobile pages (WeChat H5, Alipay page pay) instead of a QR
        "mobile": any(k in request.headers.get("User-Agent", "") for k in (
            "Mobile", "Android", "iPhone")),
        # inside WeChat's browser WeChat Pay is JSAPI, after WeChat's OAuth for the OpenID
        "in_wechat": "MicroMessenger" in request.headers.get("User-Agent", "")
        and _wechat_oauth_available(),
        "vouchers": found.vouchers.select_related("file"), "error": error,
        "invoices": found.invoices.select_related("receipt"),
        "can_invoice": found.member_type.invoice and (
            found.status == OrderStatus.CONFIRMED or (
                found.status == OrderStatus.PENDING and _borrowing())),
        "borrowing": found.status == OrderStatus.PENDING,
        "invoice_open": found.invoices.filter(status="requested").exists(),
        "voucher_form": voucher_values or {}, "invoice_form": invoice_form,
        "invoice_error": invoice_error},
        status=status or (400 if error or invoice_error else 200))


@login_required
def cancel(request, number):
    """Cancelling asks first, on a page of its own (no inline script may ask: CSP)."""
    found = selectors.my_order(request.user, number)
    if found is None:
        raise Http404
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "billing/cancel_confirm.html", {"order": found})
    try:
        order_cancel(order=found, actor=request.user)
    except AppError as exc:
        messages.error(request, str(exc.message))
    return redirect("billing:orders")


@login_required
def vouchers(request):
    if not request.user.is_association_staff:
        raise Http404
    rows = selectors.voucher_queue(request.user)
    _name_payers(rows, lambda v: v.order)
    return render(request, "billing/vouchers.html", {"rows": rows})


def _name_payers(rows, order_of) -> None:
    """Staff lists name the paying unit (its name from its application), not a phone."""
    from tenant_apps.applications.selectors import parties

    names = parties({order_of(row).payer for row in rows})
    for row in rows:
        row.party = names[order_of(row).payer_id]


@login_required
def voucher(request, pk):
    found = selectors.voucher_for_finance(request.user, pk)
    if found is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            voucher_decide(voucher=found, actor=request.user,
                           accept=request.POST.get("decision") == "accept",
                           reason=request.POST.get("reason", ""))
        except AppError as exc:
            error = exc
        else:
            messages.success(request, _("Recorded."))
            return redirect("billing:vouchers")
    _name_payers([found], lambda v: v.order)
    return render(request, "billing/voucher.html", {"voucher": found, "error": error},
                  status=(error.status if error else 200))


@login_required
def pay_online(request, number, method):
    """Start an online payment of an order: a QR code to scan (PC) or the gateway's page."""
    from tenant_apps.billing.payments import payment_start

    found = selectors.my_order(request.user, number)
    if found is None or request.method != "POST":
        raise Http404
    from tenant_apps.billing.wechat_oauth import session_openid

    scene = request.POST.get("scene") or ("native" if method == "wechat" else "precreate")
    try:
        start = payment_start(
            order=found, actor=request.user, method=method, scene=scene,
            client_ip=client_ip(request) or "127.0.0.1",
            return_url=request.build_absolute_uri(f"/member/orders/{found.number}/"),
            openid=session_openid(request.session) if scene == "jsapi" else "")
    except AppError as exc:
        if exc.code == "openid_required":
            return redirect("billing:wechat-oauth", found.number)
        text = str(exc.message)
        if exc.code == "gateway_error" and selectors.payment_methods().bank:
            # the order stays payable: by this method in a moment, or by transfer now
            text = _("The payment service did not answer. Please try again shortly, or pay "
                     "by bank transfer to the account below.")
        messages.error(request, text)
        return redirect("billing:order", found.number)
    if start.kind == "redirect":
        return redirect(start.redirect_url)
    if start.kind == "jsapi":
        return render(request, "billing/jsapi.html", {"order": found, "jsapi": start.jsapi})
    return render(request, "billing/scan.html", {
        "order": found, "method": method, "qr_svg": qr_svg(start.qr_code),
        "qr_text": start.qr_code, "jsapi": start.jsapi})


@login_required
def wechat_oauth(request, number):
    """Paying inside WeChat: off to WeChat's authorize page for the payer's OpenID."""
    from tenant_apps.billing.wechat_oauth import oauth_start

    found = selectors.my_order(request.user, number)
    if found is None:
        raise Http404
    try:
        return redirect(oauth_start(session=request.session, order_number=found.number))
    except AppError as exc:
        messages.error(request, str(exc.message))
        return redirect("billing:order", found.number)


@login_required
def wechat_oauth_callback(request):
    """WeChat sends the payer back here with a code: the OpenID is kept in the session and
    the payer is back on the order, where WeChat Pay now pays inside WeChat."""
    from tenant_apps.billing.wechat_oauth import oauth_finish

    try:
        number = oauth_finish(session=request.session, code=request.GET.get("code", ""),
                              state=request.GET.get("state", ""))
    except AppError as exc:
        return render(request, "billing/wechat_oauth_failed.html", {"error": exc.message},
                      status=exc.status)
    return redirect("billing:order", number)


def qr_svg(text: str) -> str:
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@csrf_exempt
@require_POST
def notify(request, method):
    """Gateway callbacks: no session, no CSRF; trusted only through their signature."""
    from tenant_apps.billing.payments import SCENES, payment_notified

    if method not in SCENES:
        raise Http404
    notice = payment_notified(method=method, headers=dict(request.headers),
                              body=request.body, ip=client_ip(request))
    refused = notice.outcome == "refused"
    if method == "alipay":
        return HttpResponse("fail" if refused else "success", content_type="text/plain")
    if refused:
        return JsonResponse({"code": "FAIL", "message": "verification failed"}, status=400)
    return HttpResponse(status=204)


@login_required
def order_status(request, number):
    """For the QR page to notice the payment without a reload."""
    found = selectors.my_order(request.user, number)
    if found is None:
        raise Http404
    return JsonResponse({"status": found.status})


@login_required
def renew(request):
    """Renew: choose how many years, then the order (paid like any other)."""
    from tenant_apps.billing.pricing import renewal_price
    from tenant_apps.billing.services import order_for_renewal

    membership = getattr(request.user, "membership", None)
    if membership is None:
        return redirect("members:home")
    unit = renewal_price(membership)
    if unit == 0:  # a free type: nothing to renew, never a ¥0 order
        messages.info(request, _("This membership has no fee to pay."))
        return redirect("members:home")
    from tenant_apps.memberships.rules import renewal_terms

    terms = renewal_terms(membership)
    if not terms.open:  # renewal not open yet, or the way back is a new application
        messages.info(request, terms.reason)
        return redirect("members:home")
    from tenant_apps.memberships.validity import validity_end

    return _order_for_years(
        request, unit, list(terms.options), "billing/renew.html",
        {"membership": membership, "terms": terms},
        lambda years: order_for_renewal(membership=membership, actor=request.user,
                                        years=years),
        until=lambda years: validity_end(membership.member_type, start=terms.start,
                                         years=years))


@require_POST
@login_required
def invoice_new(request, number):
    from tenant_apps.billing.invoices import invoice_reissue, invoice_request
    from tenant_apps.billing.models import InvoiceRequest

    found = selectors.my_order(request.user, number)
    if found is None:
        raise Http404
    try:
        reissue = parsed(InvoiceReissueForm, request.POST)["reissue_of"]
    except AppError as exc:
        messages.error(request, str(exc.message))  # shown above the page, whatever its state
        return _order_page(request, found, status=400)
    try:
        if reissue:
            original = InvoiceRequest.objects.filter(order=found, pk=reissue).first()
            if original is None:
                raise Http404
            invoice_reissue(request=original, actor=request.user, details=request.POST,
                            reason=request.POST.get("reason", ""))
        else:
            invoice_request(order=found, actor=request.user, details=request.POST,
                            borrow=request.POST.get("borrow") == "1")
    except AppError as exc:
        # shown beside its field, with everything typed still in the form
        return _order_page(request, found, invoice_values=request.POST, invoice_error=exc,
                           status=exc.status if exc.status != 400 else None)
    messages.success(request, _("Receipt requested. You will get it by email."))
    return redirect("billing:order", found.number)


@login_required
def invoices_queue(request):
    from tenant_apps.billing.models import InvoiceRequest

    if not can(request.user, "finance.manage"):
        raise Http404
    return render(request, "billing/invoices.html", {"rows": InvoiceRequest.objects.filter(
        status=InvoiceRequest.Status.REQUESTED).select_related("order", "requester")})


@login_required
def invoice_detail(request, pk):
    from tenant_apps.billing.invoices import invoice_issue
    from tenant_apps.billing.models import InvoiceRequest

    if not can(request.user, "finance.manage"):
        raise Http404
    found = InvoiceRequest.objects.filter(pk=pk).select_related("order", "requester").first()
    if found is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            if "file" not in request.FILES:
                raise AppError("file_required", _("Choose a file first."), field="file")
            invoice_issue(request=found, actor=request.user, uploaded=request.FILES["file"])
        except AppError as exc:
            error = exc
        else:
            messages.success(request, _("Receipt issued and sent."))
            return redirect("billing:invoices")
    return render(request, "billing/invoice.html", {"invoice": found, "error": error},
                  status=error.status if error else 200)


def _finance(request):

    if not request.user.is_authenticated or not can(request.user, "finance.manage"):
        raise Http404


@login_required
def statements(request):
    """Import a bank statement; see and settle the lines that need a person."""
    from tenant_apps.billing.models import Order, StatementLine
    from tenant_apps.billing.statements import statement_import, statement_line_settle

    _finance(request)
    result = error = None
    if request.method == "POST" and "file" in request.FILES:
        upload = request.FILES["file"]
        try:
            result = statement_import(actor=request.user, name=upload.name,
                                      content=upload.read())
        except AppError as exc:
            error = exc.message
    elif request.method == "POST":
        try:
            fields = parsed(StatementLineForm, request.POST)
        except AppError as exc:
            error = exc.message
        else:
            line = StatementLine.objects.filter(pk=fields["line"]).first()
            if line is None:
                raise Http404
            order = Order.objects.filter(number=fields["order"]).first()
            try:
                statement_line_settle(line=line, actor=request.user, order=order,
                                      dismiss=fields["dismiss"] == "1", note=fields["note"])
            except AppError as exc:
                messages.error(request, str(exc.message))
            return redirect("billing:statements")
    return render(request, "billing/statements.html", {
        "result": result, "error": error,
        # lines for a person: doubtful ones, and money to refund (settle it against another
        # order, or dismiss it once refunded)
        "doubtful": StatementLine.objects.filter(status__in=["doubtful", "to_refund"])
        .select_related("order"),
        "recent": StatementLine.objects.exclude(status__in=["doubtful", "to_refund"])
        .select_related("order")[:30]}, status=400 if error else 200)


@login_required
def revenue(request):
    from tenant_apps.billing.reports import revenue as revenue_data
    from tenant_apps.billing.reports import revenue_xlsx

    _finance(request)
    year = request.GET.get("year")
    data = revenue_data(int(year) if year and year.isdigit() else None)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(revenue_xlsx(data), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = 'attachment; filename="revenue.xlsx"'
        return response
    return render(request, "billing/revenue.html", {"data": data, "year": year or ""})


@login_required
def fee_record(request):
    from tenant_apps.billing.pricing import renewal_price

    membership = getattr(request.user, "membership", None)
    if membership is None:
        return redirect("members:home")
    rows = selectors.fee_years(membership)
    from tenant_apps.memberships.rules import renewal_terms

    if renewal_terms(membership).reapply:
        # Lapsed (CMES: 自动放弃会员资格) or withdrawn: nothing is owed any more and there is
        # nothing to pay here (the way back is a new application): unpaid years are 未缴费.
        for row in rows:
            row["unpaid"], row["arrears"] = row["arrears"], False
    return render(request, "billing/fee_record.html", {
        "membership": membership, "rows": rows, "price": renewal_price(membership),
        "free": renewal_price(membership) == 0,
        "arrears": sum(1 for r in rows if r["arrears"])})


@login_required
def upgrade(request):
    """The old address of the level change page (level changes are applications now)."""
    return redirect("applications:level-change")


def _borrowing() -> bool:
    from tenant_apps.accounts.selectors import account_settings

    return account_settings().invoice_borrowing


@login_required
def borrow_pdf(request, number, pk):
    from tenant_apps.billing.invoices import borrow_request_pdf

    found = selectors.my_order(request.user, number)
    invoice = found.invoices.filter(pk=pk, kind="borrow").first() if found else None
    if invoice is None:
        raise Http404
    response = HttpResponse(borrow_request_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="borrow-request.pdf"'
    return response


@require_POST
@login_required
def borrow_stamped(request, number, pk):
    from tenant_apps.billing.invoices import invoice_stamped_upload

    found = selectors.my_order(request.user, number)
    invoice = found.invoices.filter(pk=pk, kind="borrow").first() if found else None
    if invoice is None:
        raise Http404
    try:
        if "file" not in request.FILES:
            raise AppError("file_required", _("Choose a file first."), field="file")
        invoice_stamped_upload(request=invoice, actor=request.user,
                               uploaded=request.FILES["file"])
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Stamped request received. Finance will decide."))
    return redirect("billing:order", found.number)


@login_required
def finance_orders(request):
    """Finance looks orders up by number, reference or payer, and refunds online payments;
    an order with money it could not take (paid twice, paid after cancellation or
    withdrawal) is flagged "to refund"."""
    from urllib.parse import urlencode

    from huiji.forms import PageForm
    from tenant_apps.billing.models import PaymentNotice

    _finance(request)
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    try:
        page = parsed(PageForm, request.GET)["page"] or 1
    except AppError as exc:
        return render(request, "400.html", {"message": exc.message}, status=400)
    size = selectors.FINANCE_ORDERS_PAGE
    # one more than a page: whether there is a next one, without counting every order
    rows = selectors.finance_orders(query, status, limit=size + 1, offset=(page - 1) * size)
    more, rows = len(rows) > size, rows[:size]
    _name_payers(rows, lambda o: o)

    def link(to: int) -> str:
        return "?" + urlencode({k: v for k, v in (("q", query), ("status", status),
                                                  ("page", to)) if v})

    return render(request, "billing/finance_orders.html", {
        "rows": rows, "q": query, "status": status, "page": page,
        "previous": link(page - 1) if page > 1 else None, "next": link(page + 1) if more
        else None, "statuses": OrderStatus.choices,
        "to_refund": PaymentNotice.Outcome.TO_REFUND})


@require_POST
@login_required
def finance_refund(request, number):
    from tenant_apps.billing.models import Order
    from tenant_apps.billing.payments import order_refund

    _finance(request)
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise Http404
    try:
        order_refund(order=order, actor=request.user, reason=request.POST.get("reason", ""))
    except AppError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Refunded."))
    return redirect(f"{reverse('billing:finance-orders')}?q={order.number}")


def _order_for_years(request, unit, year_options, template, context, create, until=None):
    """The 'how many years' form shared by first payment and renewal: shows each
    offered term with its price (and, for a renewal, `until(years)`: the last day it makes
    valid); a POST creates the order through `create(years)`."""
    options = [{"years": y, "amount_fen": unit * y, "until": until(y) if until else None}
               for y in year_options]
    error = None
    if request.method == "POST":
        try:
            order = create(parsed(YearsForm, request.POST)["years"])
        except AppError as exc:
            error = exc.message
        else:
            return redirect("billing:order", order.number)
    return render(request, template, {**context, "options": options, "unit": unit,
                                      "error": error}, status=400 if error else 200)
