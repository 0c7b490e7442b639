from django.urls import path

from tenant_apps.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("manage/dashboard/", views.dashboard, name="dashboard"),
    path("manage/dashboard/refresh/", views.refresh, name="refresh"),
    path("manage/dashboard/<slug:chart>.xlsx", views.chart_xlsx, name="xlsx"),
]
