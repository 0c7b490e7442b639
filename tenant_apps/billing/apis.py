"""Billing API: the member's orders (join and renewal), paying them (online or by voucher),
receipts; finance's vouchers and receipts. The gateway callbacks are plain views
(billing.views.notify), outside session auth and CSRF, trusted by signature only."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from huiji.clientip import client_ip
from huiji.errors import AppError, NotFound
from huiji.forms import parsed
from tenant_apps.accounts.capabilities import can
from tenant_apps.applications.models import Application, Status
from tenant_apps.billing import selectors
from tenant_apps.billing.forms import VoucherForm
from tenant_apps.billing.invoices import invoice_issue, invoice_request
from tenant_apps.billing.models import InvoiceRequest, Order
from tenant_apps.billing.payments import payment_start
from tenant_apps.billing.services import (
    order_cancel,
    order_for_application,
    order_for_renewal,
    voucher_decide,
    voucher_upload,
)
from tenant_apps.billing.wechat_oauth import session_openid


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    member_type = serializers.CharField(source="member_type.code")
    years = serializers.IntegerField()
    unit_amount_fen = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    method = serializers.CharField()
    transfer_reference = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


def _order(request, number) -> Order:
    found = selectors.my_order(request.user, number)
    if found is None:
        raise NotFound
    return found


class OrderListApi(APIView):
    class OrderCreateInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=["join", "renewal"])
        years = serializers.IntegerField(min_value=1)

    @extend_schema(responses=OrderSerializer(many=True), operation_id="orders_list")
    def get(self, request):
        return Response(OrderSerializer(selectors.my_orders(
            request.user, status=request.query_params.get("status", "")), many=True).data)

    @extend_schema(request=OrderCreateInputSerializer, responses=OrderSerializer,
                   operation_id="order_create")
    def post(self, request):
        data = self.OrderCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        years = data.validated_data["years"]
        if data.validated_data["kind"] == "join":
            application = Application.objects.filter(
                applicant=request.user, status=Status.AWAITING_PAYMENT).first()
            if application is None:
                raise AppError("not_payable", _("This application is not waiting for "
                                                "payment."), status=409)
            order = order_for_application(application=application, actor=request.user,
                                          years=years)
        else:
            membership = getattr(request.user, "membership", None)
            if membership is None:
                raise NotFound
            order = order_for_renewal(membership=membership, actor=request.user, years=years)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderSerializer, operation_id="order_detail")
    def get(self, request, number):
        return Response(OrderSerializer(_order(request, number)).data)

    @extend_schema(responses=OrderSerializer, operation_id="order_cancel")
    def delete(self, request, number):
        return Response(OrderSerializer(order_cancel(order=_order(request, number),
                                                     actor=request.user)).data)


class OrderPayApi(APIView):
    class OrderPayInputSerializer(serializers.Serializer):
        method = serializers.ChoiceField(choices=["wechat", "alipay"])
        scene = serializers.CharField()
        openid = serializers.CharField(required=False, allow_blank=True, max_length=128)

    @extend_schema(request=OrderPayInputSerializer, responses=dict, operation_id="order_pay")
    def post(self, request, number):
        order = _order(request, number)
        data = self.OrderPayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        method = data.validated_data["method"]
        # JSAPI: the OpenID the client got from WeChat itself, or the one this session got
        # through /member/orders/<number>/wechat-oauth/ (kept in the session only).
        openid = data.validated_data.get("openid") or session_openid(request.session)
        start = payment_start(
            order=order, actor=request.user, method=method, scene=data.validated_data["scene"],
            client_ip=client_ip(request) or "127.0.0.1", openid=openid)
        return Response({"kind": start.kind, "qr_code": start.qr_code,
                         "redirect_url": start.redirect_url, "jsapi": start.jsapi})


class OrderVoucherApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"},
        "payer_name": {"type": "string", "maxLength": 200},
        "note": {"type": "string", "maxLength": 300}}}},
        responses=OrderSerializer, operation_id="order_voucher")
    def post(self, request, number):
        order = _order(request, number)
        if "file" not in request.FILES:
            raise AppError("file_required", _("Choose a file first."), field="file")
        details = parsed(VoucherForm, request.data)
        voucher_upload(order=order, actor=request.user, uploaded=request.FILES["file"],
                       payer_name=details["payer_name"], note=details["note"])
        order.refresh_from_db()
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderInvoiceApi(APIView):
    class InvoiceInputSerializer(serializers.Serializer):
        title = serializers.CharField()
        tax_id = serializers.CharField(required=False, allow_blank=True)
        name = serializers.CharField()
        phone = serializers.CharField()
        email = serializers.CharField()
        address = serializers.CharField(required=False, allow_blank=True)
        postcode = serializers.CharField(required=False, allow_blank=True)
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=InvoiceInputSerializer, responses=dict,
                   operation_id="order_invoice_request")
    def post(self, request, number):
        data = self.InvoiceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = invoice_request(order=_order(request, number), actor=request.user,
                               details=data.validated_data)
        return Response({"id": made.pk, "status": made.status},
                        status=status.HTTP_201_CREATED)


class FinanceVoucherDecisionApi(APIView):
    class VoucherDecisionInputSerializer(serializers.Serializer):
        accept = serializers.BooleanField()
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=VoucherDecisionInputSerializer, responses=OrderSerializer,
                   operation_id="finance_voucher_decide")
    def post(self, request, pk):
        voucher = selectors.voucher_for_finance(request.user, pk)
        if voucher is None:
            raise NotFound
        data = self.VoucherDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher_decide(voucher=voucher, actor=request.user, **data.validated_data)
        voucher.order.refresh_from_db()
        return Response(OrderSerializer(voucher.order).data)


class FinanceInvoiceIssueApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses=dict,
        operation_id="finance_invoice_issue")
    def post(self, request, pk):
        if not can(request.user, "finance.manage"):
            raise NotFound
        found = InvoiceRequest.objects.filter(pk=pk).first()
        if found is None or "file" not in request.FILES:
            raise NotFound
        issued = invoice_issue(request=found, actor=request.user,
                               uploaded=request.FILES["file"])
        return Response({"id": issued.pk, "status": issued.status})
