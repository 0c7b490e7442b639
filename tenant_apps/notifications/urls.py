from django.urls import path

from tenant_apps.notifications import views

app_name = "messages"
urlpatterns = [
    path("member/messages/", views.inbox, name="inbox"),
    path("member/messages/<int:pk>/read/", views.mark_read, name="read"),
    path("manage/messages/failed/", views.failed, name="failed"),
    path("manage/messages/failed/retry/", views.retry, name="retry"),
]
