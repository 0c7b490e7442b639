"""Anonymous public pages cached per association, language and content version
(huiji/pagecache.py): the same HTML for every anonymous visitor, no CSRF token in it, a staff
change shown at once, never a cached page for anyone signed in."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

ANONYMOUS_PAGES = ("/", "/join/")


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    # on where the cache is shared (CACHE_URL); the tests' local-memory cache is this process's
    settings.PAGE_CACHE_SECONDS = 600


def _get(site, path="/", **extra):
    response = Client(HTTP_HOST=site.host).get(path, **extra)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_every_anonymous_visitor_gets_the_same_page_without_a_csrf_token(
        alpha, path, django_assert_num_queries):
    first = _get(alpha, path)
    html = first.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in first.cookies and "sessionid" not in first.cookies
    assert "Cookie" in first["Vary"]
    with django_assert_num_queries(0):  # from the cache: no query at all
        second = _get(alpha, path)
    assert second.content.decode() == html
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"] and "Accept-Language" in second["Vary"]
    assert second["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_each_language_has_its_own_page(alpha):
    chinese = _get(alpha).content.decode()
    english = _get(alpha, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "会员登录" in chinese and "Member login" not in chinese
    assert "Member login" in english and "会员登录" not in english
    # and again, now from the cache, each still in its own language
    assert "Member login" in _get(alpha, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "会员登录" in _get(alpha).content.decode()


@pytest.mark.django_db
def test_a_staff_change_to_the_site_content_shows_at_once(
        alpha, django_capture_on_commit_callbacks):
    assert "春季招新" not in _get(alpha).content.decode()  # now cached
    assert "Spring" not in _get(alpha, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    staff = alpha.client("hq_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/manage/config/site/", {
            "name_en": "Alpha Society", "tagline": "春季招新 Spring intake", "intro": "",
            "contact_phone": "010-12345678", "contact_email": "", "address": "",
            "website": ""})
    assert response.status_code == 302
    assert "春季招新 Spring intake" in _get(alpha).content.decode()
    assert "010-12345678" in _get(alpha, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_a_published_announcement_and_a_renamed_association_show_at_once(
        alpha, django_capture_on_commit_callbacks):
    from tenant_apps.announcements.services import (
        announcement_publish,
        announcement_save,
        settings_apply,
    )
    from tenants.models import Association
    from tenants.operator_services import association_rename

    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        settings_apply(enabled=True, title="")
    assert "年会通知" not in _get(alpha).content.decode()
    assert "年会通知" not in _get(alpha, "/announcements/").content.decode()
    admin = alpha.user("hq_admin")
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        announcement_publish(acting_user=admin, announcement=announcement_save(
            acting_user=admin, announcement=None, title="年会通知", body="<p>十二月</p>",
            audience="public"))
    assert "年会通知" in _get(alpha).content.decode()
    assert "年会通知" in _get(alpha, "/announcements/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        association_rename(acting_user=None, association=Association.objects.get(slug="alpha"),
                           name="阿尔法新名学会")
    assert "阿尔法新名学会" in _get(alpha).content.decode()


@pytest.mark.django_db
def test_a_scheduled_announcement_ends_the_cached_page_when_it_goes_live(
        alpha, django_capture_on_commit_callbacks):
    from tenant_apps.announcements.services import (
        announcement_publish,
        announcement_save,
        settings_apply,
    )

    admin = alpha.user("hq_admin")
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        settings_apply(enabled=True, title="")
        announcement_publish(acting_user=admin, announcement=announcement_save(
            acting_user=admin, announcement=None, title="定时公告", body="<p>稍后</p>",
            audience="public", publish_at=timezone.now() + dt.timedelta(seconds=2)))
    assert "定时公告" not in _get(alpha).content.decode()  # cached until it goes live
    time.sleep(2.5)
    assert "定时公告" in _get(alpha).content.decode()


@pytest.mark.django_db
def test_a_member_type_changed_shows_on_the_join_page_at_once(
        alpha, django_capture_on_commit_callbacks):
    from tenant_apps.configuration.models import MemberType

    assert "改名后的会员类型" not in _get(alpha, "/join/").content.decode()
    with schema_context("alpha"), django_capture_on_commit_callbacks(execute=True):
        kind = MemberType.objects.filter(active=True).order_by("position", "id").first()
        kind.name = "改名后的会员类型"
        kind.save()
    assert "改名后的会员类型" in _get(alpha, "/join/").content.decode()


@pytest.mark.django_db
def test_a_signed_in_member_never_gets_the_cached_page_nor_leaves_theirs(alpha):
    anonymous = _get(alpha).content.decode()
    member = alpha.client("member")
    page = member.get("/").content.decode()
    assert "alpha member" in page and page != anonymous
    assert "csrfmiddlewaretoken" in page  # the log-out form keeps its token
    # the member's page was not stored for the next anonymous visitor
    assert "alpha member" not in _get(alpha).content.decode()


@pytest.mark.django_db
def test_a_visitor_with_a_message_or_a_query_goes_through_the_view(alpha):
    _get(alpha)
    client = Client(HTTP_HOST=alpha.host)
    client.cookies["messages"] = "anything"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as rendered:
        assert client.get("/").status_code == 200
    assert len(rendered.captured_queries) > 0
    with CaptureQueriesContext(connection) as queried:
        assert Client(HTTP_HOST=alpha.host).get("/join/", {"kind": "unit"}).status_code == 200
    assert len(queried.captured_queries) > 0


@pytest.mark.django_db
def test_the_language_switch_posts_without_a_token_and_redirects_only_here(alpha):
    client = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/join/"})
    assert response.status_code == 302 and response["Location"] == "/join/"
    assert client.cookies["django_language"].value == "en"
    assert "Join" in client.get("/join/").content.decode()
    away = client.post("/i18n/setlang/", {"language": "zh-hans",
                                          "next": "https://evil.example/"})
    assert away.status_code == 302 and "evil.example" not in away["Location"]


@pytest.mark.django_db
def test_real_forms_still_refuse_a_post_without_a_csrf_token(alpha):
    from tenant_apps.portal.models import SiteContent

    anonymous = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    assert anonymous.post("/login/", {"username": "alpha-member",
                                      "password": "x"}).status_code == 403
    staff = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    with schema_context("alpha"):
        staff.force_login(alpha.user("hq_admin"),
                          backend="tenant_apps.accounts.backends.IdentifierBackend")
    refused = staff.post("/manage/config/site/", {"tagline": "伪造的口号"})
    assert refused.status_code == 403
    with schema_context("alpha"):
        assert not SiteContent.objects.filter(tagline="伪造的口号").exists()
