"""/healthz, /metrics, Sentry tagging and tenant-aware logs."""

from __future__ import annotations

import gzip
import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sentry_sdk
from django.test import Client
from django_tenants.log import TenantContextFilter
from django_tenants.utils import schema_context

from huiji.celery import app as celery_app
from huiji.ops.sentry import init_sentry
from tenant_apps.files.models import PrivateFile
from tenants.models import Association
from tests.harness import require_service


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "alpha.localhost"])
def test_healthz_reports_each_dependency(host, alpha):
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


@pytest.fixture
def broker(settings):
    """Point the Celery app at a given broker for one test, then back to eager mode."""
    saved = celery_app.conf.broker_url

    def use(url: str) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.broker_url = url
        celery_app.pool.force_close_all()

    yield use
    celery_app.conf.broker_url = saved
    celery_app.pool.force_close_all()


@pytest.mark.django_db
def test_healthz_fails_when_the_broker_is_down(broker):
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"].startswith("error")
    assert body["checks"]["database"] == "ok"


@pytest.mark.services
@pytest.mark.django_db
def test_healthz_checks_the_real_redis_broker(broker):
    require_service("127.0.0.1", 6379, "Redis")
    broker("redis://127.0.0.1:6379/15")
    response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_metrics_in_prometheus_format(alpha):
    Client(HTTP_HOST=alpha.host).get("/")
    response = Client(HTTP_HOST="localhost").get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'huiji_http_requests_total{method="GET",site="association",status="200"}' in text
    active = Association.objects.filter(status="active").exclude(schema_name="public").count()
    assert f'huiji_associations{{status="active"}} {float(active)}' in text
    assert "huiji_http_request_duration_seconds_bucket" in text


@pytest.mark.django_db
def test_metrics_token_is_required_when_set(settings):
    settings.METRICS_TOKEN = "s3cret"
    client = Client(HTTP_HOST="localhost")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # sentry-sdk compresses with brotli when it is installed
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_receiver():
    """A local stand-in for a Sentry server: it records the envelopes the SDK posts."""
    _Envelopes.received = []
    server = HTTPServer(("127.0.0.1", 0), _Envelopes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_port}/1", _Envelopes.received
    sentry_sdk.init()  # no DSN: the SDK sends nothing for the rest of the session
    server.shutdown()


@pytest.mark.django_db
def test_sentry_events_carry_the_tenant(sentry_receiver, alpha):
    dsn, received = sentry_receiver
    init_sentry(dsn, environment="test", traces_sample_rate=0)
    member = alpha.user("member")
    with schema_context("alpha"):
        # A file row whose stored file has gone: the download view fails with an exception.
        record = PrivateFile.objects.create(owner=member, file="private/gone.pdf",
                                            original_name="gone.pdf",
                                            content_type="application/pdf", size=1)
    client = alpha.client("member")
    client.raise_request_exception = False
    assert client.get(f"/files/{record.public_id}/").status_code == 500
    sentry_sdk.flush(timeout=5)
    events = []
    for envelope in received:
        for line in envelope.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "tags" in item:
                events.append(item)
    assert events, "no event reached the Sentry receiver"
    assert events[-1]["tags"]["tenant"] == "alpha"


@pytest.mark.django_db
def test_log_lines_name_the_schema(alpha, settings):
    # The handler configured in settings.LOGGING, writing to a buffer for the test to read.
    console = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, TenantContextFilter) for f in h.filters))
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.filters = console.filters
    handler.setFormatter(console.formatter)
    logging.getLogger().addHandler(handler)
    try:
        Client(HTTP_HOST=alpha.host).get("/no-such-page/")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "[alpha:alpha.localhost] django.request: Not Found: /no-such-page/" \
        in buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/ping", "/metrics"])
def test_operations_paths_answer_on_any_host(path):
    # Probes reach pods by IP; these paths must not depend on the Domain table.
    assert Client(HTTP_HOST="10.1.2.3").get(path).status_code == 200
    assert Client(HTTP_HOST="10.1.2.3").get("/").status_code == 404
    assert Client(HTTP_HOST="10.1.2.3").get("/console/").status_code == 404
