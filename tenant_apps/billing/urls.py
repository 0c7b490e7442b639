from django.urls import path

from tenant_apps.billing import views

app_name = "billing"
urlpatterns = [
    path("member/pay/", views.pay, name="pay"),
    path("member/renew/", views.renew, name="renew"),
    path("member/fees/", views.fee_record, name="fee-record"),
    path("member/upgrade/", views.upgrade, name="upgrade"),
    path("member/orders/", views.orders, name="orders"),
    path("member/invoices/", views.invoices, name="my-invoices"),
    path("member/orders/<str:number>/", views.order, name="order"),
    path("member/orders/<str:number>/cancel/", views.cancel, name="cancel"),
    path("member/orders/<str:number>/pay/<str:method>/", views.pay_online, name="pay-online"),
    path("member/orders/<str:number>/status/", views.order_status, name="order-status"),
    path("member/orders/<str:number>/wechat-oauth/", views.wechat_oauth, name="wechat-oauth"),
    path("payments/wechat/oauth/", views.wechat_oauth_callback,
         name="wechat-oauth-callback"),
    path("member/orders/<str:number>/invoice/", views.invoice_new, name="invoice-new"),
    path("member/orders/<str:number>/invoice/<int:pk>/borrow.pdf", views.borrow_pdf,
         name="borrow-pdf"),
    path("member/orders/<str:number>/invoice/<int:pk>/stamped/", views.borrow_stamped,
         name="borrow-stamped"),
    path("finance/invoices/", views.invoices_queue, name="invoices"),
    path("finance/invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("finance/vouchers/", views.vouchers, name="vouchers"),
    path("finance/statements/", views.statements, name="statements"),
    path("finance/revenue/", views.revenue, name="revenue"),
    path("finance/notifications/", views.notices, name="notices"),
    path("finance/orders/", views.finance_orders, name="finance-orders"),
    path("finance/orders/<str:number>/refund/", views.finance_refund, name="refund"),
    path("finance/vouchers/<int:pk>/", views.voucher, name="voucher"),
]
