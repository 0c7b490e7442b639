from django.urls import path

from tenant_apps.marketplace import views

app_name = "marketplace"
urlpatterns: list = [
    path("market/", views.browse, {"group": "sd"}, name="browse"),
    path("market/products/", views.browse, {"group": "product"}, name="products"),
    path("market/mine/", views.mine, name="mine"),
    path("market/new/", views.new, name="new"),
    path("market/mine/<uuid:public_id>/edit/", views.edit, name="edit"),
    path("market/mine/<uuid:public_id>/renew/", views.renew, name="renew"),
    path("market/mine/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("market/<uuid:public_id>/", views.detail, name="detail"),
    path("market/<uuid:public_id>/contact/", views.contact, name="contact"),
    path("market/<uuid:public_id>/images/<uuid:file_id>/", views.image, name="image"),
    path("manage/market/", views.queue, name="queue"),
    path("manage/market/<uuid:public_id>/", views.review, name="review"),
]
