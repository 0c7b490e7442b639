"""企业投稿's public 会员动态 and the staff lists of both features across associations: alpha's
published article is everyone's on alpha's site and nothing on beta's; beta's lists (会员动态,
the review queue, the council-forms overview) show none of alpha's rows."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tenant_apps.submissions.services import submission_publish
from tests.isolation.cases import _council_answer_of, _features_on, _submission_of


@pytest.mark.django_db
def test_alphas_article_and_forms_are_nothing_on_beta(alpha, beta):
    with schema_context("alpha"):
        _features_on()
        article = _submission_of(alpha.user("member"))
        submission_publish(acting_user=None, submission=article)
        _submission_of(alpha.user("other"))  # waiting for review
        number = _council_answer_of(alpha.user("reviewer"))
    on_alpha = Client(HTTP_HOST=alpha.host)
    assert "阿尔法稿件" in on_alpha.get("/news/").content.decode()
    assert on_alpha.get(f"/news/{article.public_id}/document/").status_code == 200

    visitor = Client(HTTP_HOST=beta.host)
    for path in (f"/news/{article.public_id}/", f"/news/{article.public_id}/document/"):
        assert visitor.get(path).status_code == 404, path
    assert "阿尔法稿件" not in visitor.get("/news/").content.decode()
    assert "阿尔法稿件" not in visitor.get("/").content.decode()
    staff = beta.client("hq_admin")
    for path in ("/manage/submissions/?status=", "/manage/submissions/?status=pending"):
        page = staff.get(path)
        assert page.status_code == 200 and "阿尔法稿件" not in page.content.decode()
    overview = staff.get("/manage/council-forms/?form=council_extra&state=done")
    assert overview.status_code == 200 and number not in overview.content.decode()
    sheet = load_workbook(io.BytesIO(staff.get(
        "/manage/council-forms/council_extra/export.xlsx").content)).active
    assert len(list(sheet.values)) == 1  # the heading only
    # alpha's staff session on beta's host is nobody there
    carried = alpha.client("hq_admin")
    carried.defaults["HTTP_HOST"] = beta.host
    for path in ("/manage/submissions/", "/manage/council-forms/"):
        response = carried.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
