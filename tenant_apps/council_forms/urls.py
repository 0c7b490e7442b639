from django.urls import path

from tenant_apps.council_forms import views

app_name = "council_forms"
urlpatterns = [
    path("member/council-forms/", views.mine, name="mine"),
    path("member/council-forms/<slug:code>/", views.fill, name="fill"),
    path("member/council-forms/<slug:code>/view/", views.view, name="view"),
    path("member/council-forms/<slug:code>/form.pdf", views.pdf, name="pdf"),
    path("manage/council-forms/", views.overview, name="overview"),
    path("manage/council-forms/<slug:code>/export.xlsx", views.export, name="export"),
    path("manage/council-forms/<slug:code>/<str:number>/", views.staff_view, name="staff-view"),
    path("manage/council-forms/<slug:code>/<str:number>/form.pdf", views.staff_pdf,
         name="staff-pdf"),
]
