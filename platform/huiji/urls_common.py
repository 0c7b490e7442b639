"""URLs every host answers: operations, language switching, the API schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from huiji.ops.health import healthz
from huiji.ops.metrics import metrics
from huiji.views import ping

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
