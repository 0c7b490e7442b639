"""Cached public pages across associations (huiji/pagecache.py): each association's anonymous
pages are cached under its own schema, so one association's cached page never answers on
another's host, in either language, and a change in one ends only its own pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600


def _page(site, path="/", language="zh-hans") -> str:
    response = Client(HTTP_HOST=site.host).get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("path", ["/", "/join/"])
def test_one_associations_cached_page_never_answers_on_another(alpha, beta, path, language):
    assert "Alpha Society" in _page(alpha, path, language)  # now cached for alpha
    assert "Alpha Society" in _page(alpha, path, language)  # served from it
    beta_page = _page(beta, path, language)
    assert "Beta Society" in beta_page and "Alpha Society" not in beta_page


@pytest.mark.django_db
def test_a_change_in_one_association_ends_only_its_own_pages(
        alpha, beta, django_capture_on_commit_callbacks, django_assert_num_queries):
    from tenant_apps.portal.services import site_content_update

    _page(alpha), _page(beta)
    with schema_context("beta"), django_capture_on_commit_callbacks(execute=True):
        site_content_update(acting_user=None, tagline="贝塔的新口号")
    assert "贝塔的新口号" in _page(beta)
    with django_assert_num_queries(0):  # alpha's page still from the cache, without it
        assert "贝塔的新口号" not in _page(alpha)
