"""How long a membership runs, by its type's rule; the late-year rule (next_year_from) by
hand-written dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from tenant_apps.configuration.models import MemberType
from tenant_apps.configuration.profile import validate_profile
from tenant_apps.memberships.validity import validity_end


@pytest.mark.parametrize(("start", "years", "end"), [
    (dt.date(2026, 6, 15), 1, dt.date(2026, 12, 31)),
    (dt.date(2026, 11, 30), 1, dt.date(2026, 12, 31)),   # the day before: this year
    (dt.date(2026, 12, 1), 1, dt.date(2027, 12, 31)),    # from 1 December: next year
    (dt.date(2026, 12, 7), 3, dt.date(2029, 12, 31)),
    (dt.date(2027, 1, 1), 1, dt.date(2027, 12, 31)),     # a renewal from 1 January
])
def test_a_late_year_join_counts_from_the_next_year(start, years, end):
    mtype = MemberType(validity_rule="calendar_year", next_year_from="12-01")
    assert validity_end(mtype, start=start, years=years) == end


def test_without_the_rule_a_december_join_ends_this_year():
    mtype = MemberType(validity_rule="calendar_year")
    assert validity_end(mtype, start=dt.date(2026, 12, 7), years=1) == dt.date(2026, 12, 31)


def _problems(validity: dict) -> dict:
    from tenant_apps.configuration.profile import ProfileError

    doc = {"format": "huiji-profile/1", "association": {"name": "某学会"},
           "member_types": [{"code": "m", "name": "会员", "kind": "individual",
                             "review_required": False, "validity": validity,
                             "fees": [{"amount_fen": 0, "effective_from": "2026-01-01"}]}]}
    try:
        validate_profile(doc, filename="p.yaml")
    except ProfileError as exc:
        return dict(exc.problems)
    return {}


def test_the_profile_checks_the_day_and_the_rule():
    assert _problems({"rule": "calendar_year", "next_year_from": "12-01"}) == {}
    assert "member_types[0].validity.next_year_from" in _problems(
        {"rule": "calendar_year", "next_year_from": "13-01"})
    assert "member_types[0].validity.next_year_from" in _problems(
        {"rule": "rolling", "next_year_from": "12-01"})


@pytest.mark.django_db
def test_the_type_screen_takes_the_day(alpha):
    client = alpha.client("hq_admin")
    with schema_context("alpha"):
        regular = MemberType.objects.get(code="regular")
    page = client.get(f"/manage/config/types/{regular.code}/edit/")
    assert page.status_code == 200 and "next_year_from" in page.content.decode()
