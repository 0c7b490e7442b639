from django.urls import path

from tenant_apps.files import views

app_name = "files"
urlpatterns = [path("<uuid:public_id>/", views.download, name="download"),
               path("<uuid:public_id>/view/", views.view, name="view")]
