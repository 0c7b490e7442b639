from django.urls import path

from tenant_apps.announcements import views

app_name = "announcements"

urlpatterns = [
    # readers: the public and members
    path("announcements/", views.reader_list, name="list"),
    path("announcements/<uuid:public_id>/", views.reader_detail, name="detail"),
    path("announcements/<uuid:public_id>/files/<uuid:file_id>/", views.attachment,
         name="attachment"),
    # staff
    path("manage/announcements/", views.manage_list, name="manage"),
    path("manage/announcements/new/", views.manage_edit, name="new"),
    path("manage/announcements/<uuid:public_id>/", views.manage_edit, name="edit"),
    path("manage/announcements/<uuid:public_id>/preview/", views.manage_preview,
         name="preview"),
    path("manage/announcements/<uuid:public_id>/publish/", views.manage_action,
         {"action": "publish"}, name="publish"),
    path("manage/announcements/<uuid:public_id>/withdraw/", views.manage_action,
         {"action": "withdraw"}, name="withdraw"),
    path("manage/announcements/<uuid:public_id>/draft/", views.manage_action,
         {"action": "draft"}, name="draft"),
    path("manage/announcements/<uuid:public_id>/send/", views.manage_push, name="push"),
]
