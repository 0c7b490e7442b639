from django.urls import path

from shared_apps.console import glance, views

app_name = "console"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("console/", glance.dashboard, name="dashboard"),
    path("console/refresh/", glance.refresh, name="refresh"),
    path("console/associations/new/", views.association_new, name="association-new"),
    path("console/associations/<slug:slug>/status/", views.association_status,
         name="association-status"),
]
