"""URLs every host answers: operations, language switching, the API schema, the human
check's pictures."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from huiji import humancheck_views
from huiji.ops.health import healthz
from huiji.ops.metrics import metrics
from huiji.views import ping

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the human check (huiji/humancheck.py): a new puzzle, and its two pictures
    path("human-check/new/", humancheck_views.new, name="human-check-new"),
    re_path(r"^human-check/(?P<puzzle_id>[A-Za-z0-9_-]{16,64})/(?P<part>bg\.jpg|piece\.png)$",
            humancheck_views.image, name="human-check-image"),
]
