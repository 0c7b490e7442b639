"""The operator console: operators only, onboarding through the provisioning service."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants.models import Association
from tenants.schemas import schema_exists
from tests.harness import PASSWORD


@pytest.fixture
def operator(db) -> Client:
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"username": "operator", "password": PASSWORD}).status_code \
        == 302
    return client


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(public_client):
    response = public_client.get("/console/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_dashboard_lists_associations(operator):
    # Figures come from the summary table (shared_apps/platform_stats, tested there); before
    # the first refresh each association is listed with a note instead.
    response = operator.get("/console/")
    page = response.content.decode()
    assert "Alpha Society" in page and "Beta Society" in page
    assert "http://alpha.localhost" in page
    assert "尚未统计：下次刷新后显示数据。" in page


@pytest.mark.django_db
def test_onboarding_form_shows_errors_beside_the_field_and_changes_nothing(operator):
    before = Association.objects.count()
    response = operator.post("/console/associations/new/", {
        "name": "Taken", "slug": "alpha", "admin_name": "x", "admin_email": "x@x.test"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "已有协会使用该简称。" in page
    assert 'class="field has-error"' in page
    assert Association.objects.count() == before


@pytest.mark.django_db
def test_onboarding_creates_the_association(operator, django_capture_on_commit_callbacks,
                                            mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post("/console/associations/new/", {
            "name": "江苏省测试学会", "slug": "jstest", "profile": "jsgas",
            "admin_name": "管理员", "admin_email": "admin@jstest.example"})
    assert response.status_code == 200
    assert "江苏省测试学会 已开通" in response.content.decode()
    assert schema_exists("jstest")
    assert mailoutbox[0].to == ["admin@jstest.example"]


@pytest.mark.django_db
def test_suspend_and_resume(operator, django_capture_on_commit_callbacks):
    # The first press only asks: a page of its own, nothing changed yet.
    asked = operator.post("/console/associations/alpha/status/", {"status": "suspended"})
    assert asked.status_code == 200 and "确认暂停" in asked.content.decode()
    assert Association.objects.get(slug="alpha").status == "active"
    with django_capture_on_commit_callbacks(execute=True):
        operator.post("/console/associations/alpha/status/",
                      {"status": "suspended", "confirm": "yes", "reason": "合同到期"})
    assert Association.objects.get(slug="alpha").status == "suspended"
    assert Client(HTTP_HOST="alpha.localhost").get("/").status_code == 503
    with django_capture_on_commit_callbacks(execute=True):
        operator.post("/console/associations/alpha/status/", {"status": "active"})
    assert Client(HTTP_HOST="alpha.localhost").get("/").status_code == 200


@pytest.mark.django_db
def test_association_staff_cannot_reach_the_console(alpha):
    # Alpha's HQ admin does not exist in the public schema: the console treats them as
    # anonymous on the base domain, and an alpha session cookie means nothing there.
    client = alpha.client("hq_admin")
    client.defaults["HTTP_HOST"] = "localhost"
    assert client.get("/console/").status_code == 302
