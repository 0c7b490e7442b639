from django.urls import path

from tenant_apps.certificates import design_views

app_name = "certificates"

urlpatterns: list = [
    # the design of certificates and cards (design_views.py)
    path("manage/certificates/design/", design_views.design_edit, name="design"),
    path("manage/certificates/design/preview/", design_views.design_preview,
         name="design-preview"),
    path("manage/certificates/design/preview/<str:token>.png", design_views.design_preview_image,
         name="design-preview-image"),
]
