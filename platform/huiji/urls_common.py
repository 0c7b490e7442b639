"""URLs every host answers: operations, language switching, the API schema, the human
check's pictures."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from huiji import humancheck_views
from huiji.ops.health import healthz
from huiji.ops.metrics import metrics
from huiji.views import ping

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("metrics", metrics, name="metrics"),
    # The language switch in every page's header posts here WITHOUT a CSRF token, so that an
    # anonymous page is the same for every visitor and can be cached (huiji/pagecache.py). A
    # forged cross-site post can do no more than a link could: set the visitor's language
    # cookie. Django's set_language touches no session, account or data, and redirects only
    # to a `next` on this host (url_has_allowed_host_and_scheme); every other form keeps its
    # token and CsrfViewMiddleware checks it as before.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the human check (huiji/humancheck.py): a new puzzle, and its two pictures
    path("human-check/new/", humancheck_views.new, name="human-check-new"),
    re_path(r"^human-check/(?P<puzzle_id>[A-Za-z0-9_-]{16,64})/(?P<part>bg\.jpg|piece\.png)$",
            humancheck_views.image, name="human-check-image"),
]
