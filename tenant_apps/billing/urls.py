from django.urls import path

from tenant_apps.billing import views

app_name = "billing"
urlpatterns = [
    path("member/pay/", views.pay, name="pay"),
    path("member/orders/", views.orders, name="orders"),
    path("member/orders/<str:number>/", views.order, name="order"),
    path("member/orders/<str:number>/cancel/", views.cancel, name="cancel"),
    path("finance/vouchers/", views.vouchers, name="vouchers"),
    path("finance/vouchers/<int:pk>/", views.voucher, name="voucher"),
]
