from django.urls import path

from tenant_apps.privacy import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.policy, name="policy"),
    path("member/data/", views.my_data, name="mine"),
    path("member/data/export/", views.export_start, name="export"),
    path("member/data/exports/<uuid:public_id>/", views.export_download, name="download"),
    path("member/data/delete/", views.deletion_ask, name="delete"),
    path("manage/privacy/", views.queue, name="queue"),
    path("manage/privacy/<uuid:public_id>/", views.request_detail, name="request"),
]
