from django.urls import path

from shared_apps.console import association, glance, operations_views, views

app_name = "console"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("console/", glance.dashboard, name="dashboard"),
    path("console/refresh/", glance.refresh, name="refresh"),
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
    path("console/associations/<slug:slug>/", association.association_page,
         name="association"),
    path("console/associations/<slug:slug>/name/", association.association_name,
         name="association-name"),
    path("console/associations/<slug:slug>/slug/", association.association_slug,
         name="association-slug"),
    path("console/associations/<slug:slug>/domains/", association.association_domain_add,
         name="association-domain-add"),
    path("console/associations/<slug:slug>/administrators/", association.association_admin_add,
         name="association-admin-add"),
    path("console/associations/<slug:slug>/administrators/<str:account>/resend/",
         association.association_admin_resend, name="association-admin-resend"),
    path("console/associations/<slug:slug>/suspend/", association.association_suspend,
         name="association-suspend"),
    path("console/associations/<slug:slug>/resume/", association.association_resume,
         name="association-resume"),
]
