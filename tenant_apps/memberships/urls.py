from django.urls import path

from tenant_apps.memberships import views

app_name = "members"
urlpatterns = [path("member/", views.home, name="home"),
               path("member/withdraw/", views.withdraw, name="withdraw")]
