"""Host -> association: cached, invalidated on change, 404 for strangers, a page when suspended."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants.models import Association, Domain
from tenants.services import association_set_status


def _get(host: str, path: str = "/"):
    return Client(HTTP_HOST=host).get(path)


@pytest.mark.django_db
def test_each_association_answers_on_its_subdomain_and_the_platform_on_the_base(alpha, beta):
    assert "Alpha Society" in _get("alpha.localhost").content.decode()
    assert "Beta Society" in _get("beta.localhost").content.decode()
    page = _get("localhost").content.decode()
    assert "Alpha Society" not in page
    assert "会籍" in page


@pytest.mark.django_db
def test_unknown_host_gets_a_proper_404_page(db):
    response = _get("nobody.localhost")
    assert response.status_code == 404
    body = response.content.decode()
    assert "nobody.localhost" in body
    assert "<html" in body  # the site's own page, not a bare error


@pytest.mark.django_db
def test_warm_request_does_no_domain_query(alpha):
    _get(alpha.host)  # warms the cache
    with CaptureQueriesContext(connection) as queries:
        assert _get(alpha.host).status_code == 200
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]
    # One search_path switch and two queries: which features are on (one statement for all
    # of them, configuration/switches.py) and the association's site content.
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 3, sql
    assert sql[0] == 'SET search_path = "alpha","public"'
    assert "announcements_announcementsettings" in sql[1] and "roster_rostersettings" in sql[1]
    assert "portal_sitecontent" in sql[2]


@pytest.mark.django_db
def test_changing_a_domain_drops_the_cached_host(alpha, django_capture_on_commit_callbacks):
    assert _get("alpha.localhost").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        domain = Domain.objects.get(domain="alpha.localhost")
        domain.domain = "alpha-new.localhost"
        domain.save()
    assert _get("alpha.localhost").status_code == 404
    assert _get("alpha-new.localhost").status_code == 200


@pytest.mark.django_db
def test_a_new_custom_domain_works_at_once(alpha):
    assert _get("join.alpha.test").status_code == 404  # not cached: unknown hosts never are
    Domain.objects.create(domain="join.alpha.test", tenant=Association.objects.get(slug="alpha"),
                          is_primary=False)
    assert "Alpha Society" in _get("join.alpha.test").content.decode()


@pytest.mark.django_db
def test_suspended_association_shows_a_page_not_its_data(alpha, django_capture_on_commit_callbacks):
    assert _get(alpha.host).status_code == 200
    association = Association.objects.get(slug="alpha")
    with django_capture_on_commit_callbacks(execute=True):
        association_set_status(acting_user=None, association=association, status="suspended",
                               reason="unpaid subscription")
    for path in ("/", "/login/", f"/api/v1/users/{alpha.user('member').public_id}/"):
        response = _get(alpha.host, path)
        assert response.status_code == 503
        assert "暂停" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        association_set_status(acting_user=None, association=association, status="active")
    assert _get(alpha.host).status_code == 200
