from django.urls import path

from tenant_apps.bulk import views

app_name = "bulk"
urlpatterns = [
    path("manage/members/export/", views.export, name="export"),
    path("manage/members/message/", views.message, name="message"),
    path("manage/members/branch/", views.branch, name="branch"),
    path("manage/members/certificates/", views.certificates, name="certificates"),
    path("manage/members/jobs/<uuid:public_id>/", views.job_page, name="job"),
    path("manage/members/jobs/<uuid:public_id>/progress/", views.job_progress,
         name="progress"),
    path("manage/members/jobs/<uuid:public_id>/download/", views.download, name="download"),
]
