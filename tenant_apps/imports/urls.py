from django.urls import path

from tenant_apps.imports import first_login_views, views

app_name = "imports"
urlpatterns = [
    path("manage/imports/", views.imports, name="list"),
    path("manage/imports/<uuid:public_id>/", views.detail, name="detail"),
    path("manage/imports/<uuid:public_id>/check/", views.check, name="check"),
    path("manage/imports/<uuid:public_id>/start/", views.start, name="start"),
    path("manage/imports/<uuid:public_id>/progress/", views.progress, name="progress"),
    path("manage/imports/<uuid:public_id>/errors.xlsx", views.error_report, name="errors"),
    path("manage/imports/<uuid:public_id>/invite/", views.invite_all, name="invite-all"),
    path("manage/members/<str:number>/invite/", views.invite_one, name="invite-one"),
]

# 首次登录 (no namespace: the login page and the messages link to it by name)
first_login_urls = [
    path("first-login/", first_login_views.first_login, name="first-login"),
    path("first-login/set/", first_login_views.first_login_set, name="first-login-set"),
]
