"""Production headers and closures, checked on pages rendered with the production settings'
values (read from huiji.settings.production in a subprocess, applied with
override_settings): the exact Content-Security-Policy, pages that need no inline script or
style under it, and /metrics closed without its token."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from huiji.tests.test_settings import _manage

POLICY = "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
NAMES = ["MIDDLEWARE", "CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY",
         "METRICS_TOKEN", "METRICS_OPEN_WITHOUT_TOKEN"]
# What the policy blocks: a <script> without src (a JSON data block is not run, so it may
# stay), a <style> element, a style attribute, an on*= handler attribute.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
                    r"|<style[\s>]|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.fixture(scope="module")
def production() -> dict:
    code = ("import json; from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}))")
    result = _manage("shell", "-c", code, DJANGO_SETTINGS_MODULE="huiji.settings.production",
                     SECRET_KEY=secrets.token_urlsafe(50),
                     DATABASE_URL="postgres://u@127.0.0.1:1/none",
                     CELERY_BROKER_URL="redis://127.0.0.1:1/0",
                     METRICS_TOKEN="", CONTENT_SECURITY_POLICY="")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _as_in_production(production: dict):
    return override_settings(**{n: production[n] for n in NAMES})


def test_production_policy_is_the_setting():
    result = _manage("shell", "-c", "from django.conf import settings as s; "
                     "print(s.CONTENT_SECURITY_POLICY)",
                     DJANGO_SETTINGS_MODULE="huiji.settings.production",
                     SECRET_KEY=secrets.token_urlsafe(50),
                     DATABASE_URL="postgres://u@127.0.0.1:1/none",
                     CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    assert result.stdout.strip().splitlines()[-1] == POLICY


@pytest.mark.django_db
def test_key_pages_carry_the_policy_and_need_no_inline_script_or_style(alpha, production):
    """Every page a member, a reviewer, finance or an administrator uses, and the QR page of
    the fake gateway's payment: the exact header, and nothing in the page it would block."""
    from huiji.payments.fake_gateway import FakePaymentGateway
    from tenant_apps.applications.models import Application
    from tenant_apps.applications.services import application_start, application_submit
    from tenant_apps.applications.tests.helpers import applicant, complete
    from tenant_apps.billing.services import order_for_application
    from tenant_apps.billing.tests.online import connect_accounts
    from tenant_apps.configuration.models import MemberType

    fake = FakePaymentGateway().start()
    try:
        with schema_context("alpha"):
            connect_accounts(fake)
            person = applicant(95)
            draft = application_start(applicant=applicant(96),
                                      member_type=MemberType.objects.get(code="senior"))
            app = application_start(applicant=person,
                                    member_type=MemberType.objects.get(code="regular"))
            complete(app)
            app = application_submit(application=app, actor=person)
            order = order_for_application(application=app, actor=person, years=1)
            senior = Application.objects.get(pk=draft.pk)
            senior_type = senior.member_type.code
        member = Client(HTTP_HOST=alpha.host)
        drafter = Client(HTTP_HOST=alpha.host)
        with schema_context("alpha"):
            member.force_login(person, backend="tenant_apps.accounts.backends.IdentifierBackend")
            drafter.force_login(draft.applicant,
                                backend="tenant_apps.accounts.backends.IdentifierBackend")
        anonymous, admin = Client(HTTP_HOST=alpha.host), alpha.client("hq_admin")
        finance = alpha.client("finance")
        pages = [
            (Client(HTTP_HOST="localhost"), "get", "/"),
            (anonymous, "get", "/"), (anonymous, "get", "/login/"),
            (anonymous, "get", "/signup/"), (anonymous, "get", "/join/"),
            (member, "get", "/member/"), (member, "get", "/member/orders/"),
            (member, "get", f"/member/orders/{order.number}/"),
            (member, "post", f"/member/orders/{order.number}/pay/wechat/"),  # the QR page
            (drafter, "get", f"/apply/{draft.public_id}/notices/"),
            (drafter, "get", f"/apply/{draft.public_id}/step/0/"),
            (admin, "get", "/review/"), (admin, "get", "/manage/config/"),
            (admin, "get", f"/manage/config/types/{senior_type}/"),
            (admin, "get", "/manage/config/templates/"),
            (finance, "get", "/finance/vouchers/"), (finance, "get", "/finance/orders/"),
            (finance, "get", "/finance/notifications/"),
            (finance, "get", "/finance/statements/"),
        ]
        with _as_in_production(production):
            for client, method, path in pages:
                response = getattr(client, method)(path)
                assert response.status_code == 200, (path, response.status_code)
                assert response["Content-Security-Policy"] == POLICY, path
                assert "Content-Security-Policy-Report-Only" not in response, path
                page = response.content.decode()
                assert INLINE.findall(page) == [], path
                if path.endswith("/pay/wechat/"):
                    assert 'class="qr"' in page and "<svg" in page
    finally:
        fake.stop()
    # the bare error page, which Django renders without any context
    assert INLINE.findall(render_to_string("500.html")) == []


@pytest.mark.django_db
def test_production_closes_metrics_without_its_token(production):
    assert production["METRICS_TOKEN"] in (None, "")
    client = Client(HTTP_HOST="localhost")
    with _as_in_production(production):
        assert client.get("/metrics").status_code == 404
    with _as_in_production({**production, "METRICS_TOKEN": "s3cret"}):
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


@pytest.mark.django_db
def test_pages_answered_before_any_view_carry_the_policy_too(production):
    """The unknown-host page is made by the middleware that resolves the association, before
    any view; it is a page like any other."""
    with _as_in_production(production):
        page = Client(HTTP_HOST="nobody.localhost").get("/")
    assert page.status_code == 404
    assert page["Content-Security-Policy"] == POLICY
