from django.urls import path

from shared_apps.console import operations_views, views

app_name = "console"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("console/", views.dashboard, name="dashboard"),
    path("console/associations/new/", views.association_new, name="association-new"),
    path("console/associations/<slug:slug>/status/", views.association_status,
         name="association-status"),
    path("console/health/", operations_views.health, name="health"),
    path("console/associations/<slug:slug>/exports/", operations_views.exports,
         name="association-exports"),
    path("console/exports/<uuid:public_id>/download/", operations_views.export_download,
         name="export-download"),
    path("console/exports/<uuid:public_id>/delete/", operations_views.export_remove,
         name="export-delete"),
]
