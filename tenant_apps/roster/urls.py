from django.urls import path

from tenant_apps.roster import views

app_name = "roster"
urlpatterns = [
    path("roster/", views.roster_list, name="list"),
    path("member/roster/", views.consent_page, name="consent"),
]
