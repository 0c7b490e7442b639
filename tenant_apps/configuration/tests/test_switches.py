"""The features a profile may switch off (企业投稿, 完善理事资料) are asked once a request: one
query answers the member menu, the member home's reminder, the staff navigation and the portal
home's 会员动态 together."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tenant_apps.configuration.switches import read_switches
from tenant_apps.records.tests.helpers import client_for, hq_admin, member, provision

pytestmark = pytest.mark.django_db
# A query that reads whether a feature is on: the settings of submissions or the forms
# themselves (not the members' answers, council_forms_councilformanswer).
SWITCH = re.compile(r"submissions_submissionsettings|council_forms_councilform\b")


def _switch_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return (sum(1 for q in seen.captured_queries if SWITCH.search(q["sql"])),
            response.content.decode())


def test_caq_member_home_menu_and_reminder_cost_one_query():
    provision("caq")
    with schema_context("caq"):
        unit = member("unit", 5301, rank="council")
        admin = hq_admin()
    client = client_for(unit.user, "caq.localhost")
    client.get("/member/")  # warm the session and site
    count, page = _switch_queries(client, "/member/")
    assert count == 1
    # what the one query decided, as the member reads it
    assert "有需要完善的资料" in page and "完善理事资料" in page and "企业投稿" in page

    count, page = _switch_queries(client_for(admin, "caq.localhost"), "/review/")
    assert count == 1
    assert 'href="/manage/submissions/"' in page and 'href="/manage/council-forms/"' in page

    count, page = _switch_queries(Client(HTTP_HOST="caq.localhost"), "/")
    assert count == 1


def test_where_both_are_off_the_member_reads_one_query_and_no_entry():
    provision("cmes")
    with schema_context("cmes"):
        person = member("regular", 5302)
        switches = read_switches()
    assert not switches.submissions and switches.council_forms == ()
    count, page = _switch_queries(client_for(person.user, "cmes.localhost"), "/member/")
    assert count == 1
    assert "企业投稿" not in page and "完善理事资料" not in page and "有需要完善的资料" not in page


def test_the_switches_are_read_once_per_request_and_kept_on_it_only():
    from django.test import RequestFactory

    from tenant_apps.configuration.switches import feature_switches

    provision("caq")
    with schema_context("caq"):
        first, second = RequestFactory().get("/"), RequestFactory().get("/")
        with CaptureQueriesContext(connection) as seen:
            a = feature_switches(first)
            assert feature_switches(first) is a
            feature_switches(second)  # another request reads again
        reads = [q for q in seen.captured_queries if SWITCH.search(q["sql"])]
        assert len(reads) == 2
        assert a.submissions and a.submission_types == ("unit",)
        assert [f.code for f in a.council_forms] == ["vp_nomination", "vp_appointment"]
