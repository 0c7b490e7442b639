"""GET /metrics in Prometheus text format.

Request counts and latencies are recorded by the middleware below; platform gauges
(associations by status) are read from the public schema at scrape time. Labels carry no
tenant: with thousands of associations a tenant label would explode the series count, and
per-tenant figures belong on the operator dashboards. Set METRICS_TOKEN to require
`Authorization: Bearer <token>`; production answers 404 while it is unset.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "huiji_http_requests_total", "HTTP requests served", ["method", "status", "site"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "huiji_http_request_duration_seconds", "Time to serve a request", ["site"],
    registry=REGISTRY,
)


class _AssociationCollector:
    def describe(self):
        # Lets the registry learn the metric's name without a query at import time.
        yield GaugeMetricFamily("huiji_associations", "Associations by status", labels=["status"])

    def collect(self):
        from tenants.selectors import association_counts_by_status

        family = GaugeMetricFamily("huiji_associations", "Associations by status",
                                   labels=["status"])
        for status, count in association_counts_by_status().items():
            family.add_metric([status], count)
        yield family


REGISTRY.register(_AssociationCollector())


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)
        site = "public" if tenant is None or tenant.schema_name == "public" else "association"
        REQUESTS.labels(request.method, str(response.status_code), site).inc()
        LATENCY.labels(site).observe(time.perf_counter() - started)
        return response


@never_cache
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token and not settings.METRICS_OPEN_WITHOUT_TOKEN:
        raise Http404  # production without a token: closed, not open to anyone
    # Compared in constant time: the answer must not tell how much of a guess was right.
    if token and not hmac.compare_digest(request.headers.get("Authorization", "").encode(),
                                         f"Bearer {token}".encode()):
        return HttpResponseForbidden()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
