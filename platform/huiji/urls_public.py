"""The base domain: the platform's own site and the operator console."""

from django.urls import include, path

from huiji.urls_common import urlpatterns as common

urlpatterns = [
    *common,
    path("", include("shared_apps.console.urls")),
    path("", include("tenant_apps.accounts.urls")),
]
