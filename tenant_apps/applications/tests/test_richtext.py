"""Rich text answers (Jiangsu's 单位介绍, type richtext) are edited with a real editor and
sanitised on the server before they are stored: script, event handlers and javascript: links
never reach the database or the API, the formatting does. Pages show the formatting, the
generated PDF its plain text."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.models import Application
from tenant_apps.applications.services import application_start
from tenant_apps.applications.tests.helpers import applicant, pdf_text
from tenant_apps.configuration.models import MemberType
from tenants.models import Association
from tenants.services import association_create

HOSTILE = ('<p>我们是<strong>燃气</strong>企业<script>alert("s")</script></p>'
           '<img src="x" onerror="alert(\'i\')">'
           '<ul><li onclick="alert(\'c\')">城市供气</li><li>热力</li></ul>'
           '<p><a href="javascript:alert(\'j\')">点我</a> <a href="https://www.example.cn/">官网</a>'
           '</p><p style="background:url(javascript:alert(1))">第二段</p>')
KEPT = ('<p>我们是<strong>燃气</strong>企业</p><ul><li>城市供气</li><li>热力</li></ul>'
        '<p><a rel="noopener noreferrer nofollow">点我</a> '
        '<a href="https://www.example.cn/" rel="noopener noreferrer nofollow">官网</a></p>'
        '<p>第二段</p>')


def assert_harmless(html: str) -> None:
    for bad in ("<script", "alert(", "onerror", "onclick", "javascript:", "<img", "style="):
        assert bad not in html, bad


@pytest.fixture
def jsgas(db):
    """Jiangsu's association from its profile, with one applicant's draft (unit member)."""
    if not Association.objects.filter(slug="jsgas").exists():
        association_create(acting_user=None, name="jsgas", slug="jsgas", profile="jsgas",
                           admin_name="Admin", admin_email="admin@jsgas.test",
                           admin_password="Admin-passw0rd-2026")
    with schema_context("jsgas"):
        person = applicant(81)
        app = application_start(applicant=person, member_type=MemberType.objects.get(
            code="unit"))
        client = Client(HTTP_HOST="jsgas.localhost")
        client.force_login(person, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return app, client


def stored(app) -> str:
    with schema_context("jsgas"):
        return Application.objects.get(pk=app.pk).answers["intro"]


def test_the_page_stores_only_the_allowed_html(jsgas):
    app, client = jsgas
    response = client.post(f"/apply/{app.public_id}/step/0/",
                           {"intro": HOSTILE, "unit_name": "南京燃气", "action": "save"})
    assert response.status_code == 302
    assert stored(app) == KEPT
    # The step shows the editor, loaded from this site's static files (no CDN), over the
    # field's textarea (which carries the stored, sanitised HTML).
    page = client.get(f"/apply/{app.public_id}/step/0/").content.decode()
    assert 'data-richtext' in page and "/static/vendor/quill-2.0.3/quill.js" in page
    assert "/static/huiji/richtext.js" in page
    assert "&lt;strong&gt;燃气&lt;/strong&gt;" in page  # inside the textarea, escaped
    assert_harmless(page.split('data-richtext', 1)[1].split("</textarea>", 1)[0])


def test_the_api_stores_and_returns_only_the_allowed_html(jsgas):
    app, client = jsgas
    response = client.put(f"/api/v1/applications/{app.public_id}/steps/0/",
                          {"answers": {"intro": HOSTILE, "unit_name": "南京燃气"}},
                          content_type="application/json")
    assert response.status_code in (200, 400), response.content  # a draft: others missing
    assert stored(app) == KEPT
    returned = client.get("/api/v1/applications/current/").json()["answers"]["intro"]
    assert returned == KEPT


def test_rich_text_stored_before_sanitising_is_never_shown_or_returned(jsgas):
    app, client = jsgas
    with schema_context("jsgas"):
        Application.objects.filter(pk=app.pk).update(answers={"intro": HOSTILE})
    returned = client.get("/api/v1/applications/current/").json()["answers"]["intro"]
    assert returned == KEPT
    page = client.get(f"/apply/{app.public_id}/confirm/").content.decode()
    assert_harmless(page.split("单位介绍", 1)[1].split("</dd>", 1)[0])
    # rendered, not escaped: the reviewer and the applicant read the formatting
    assert "<strong>燃气</strong>" in page and "<li>城市供气</li>" in page


def test_the_pdf_prints_the_text_of_rich_text(jsgas):
    app, client = jsgas
    client.post(f"/apply/{app.public_id}/step/0/",
                {"intro": HOSTILE, "unit_name": "南京燃气", "action": "save"})
    text = pdf_text(client.get(f"/apply/{app.public_id}/form.pdf").content)
    assert "我们是燃气企业" in text and "城市供气" in text and "第二段" in text
    assert "<strong>" not in text and "<p>" not in text and "alert" not in text
