"""An association's subdomain: its site, its member centre and staff console, its API."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from huiji.urls_common import urlpatterns as common
from tenant_apps.accounts import apis as account_apis
from tenant_apps.configuration import apis as config_apis
from tenant_apps.portal import views as portal_views

api = [
    path("me/", account_apis.MeApi.as_view(), name="me"),
    path("users/<uuid:public_id>/", account_apis.UserDetailApi.as_view(), name="user-detail"),
    path("join/", config_apis.JoinInfoApi.as_view(), name="join-info"),
    path("config/profile/", config_apis.ProfileApi.as_view(), name="config-profile"),
    path("config/member-types/<slug:code>/fees/", config_apis.FeeCreateApi.as_view(),
         name="config-fee-add"),
]

urlpatterns = [
    *common,
    path("", portal_views.home, name="home"),
    path("", include("tenant_apps.accounts.urls")),
    # One-time links: the first administrator's activation and password resets.
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_set.html", post_reset_login=False,
        success_url="/login/?activated=1"), name="password_reset_confirm"),
    path("files/", include("tenant_apps.files.urls")),
    path("", include("tenant_apps.configuration.urls")),
    path("", include("tenant_apps.applications.urls")),
    path("", include("tenant_apps.memberships.urls")),
    path("", include("tenant_apps.notifications.urls")),
    path("api/v1/", include((api, "api"))),
]
