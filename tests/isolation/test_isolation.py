"""A person of one association never reaches another association's objects: 404 every time."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.isolation.cases import CASES, IsolationCase


def _expected(case: IsolationCase, role: str) -> int:
    return 404 if case.roles is None or role in case.roles else 403


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request) -> IsolationCase:
    return request.param


@pytest.mark.django_db
def test_owner_and_own_staff_can_reach_it(case, alpha):
    with schema_context("alpha"):
        path = case.make(alpha.user(case.owner_role))
    assert alpha.client(case.owner_role).get(path).status_code == 200
    staff = alpha.client("hq_admin").get(path).status_code
    assert staff == (200 if case.staff_can_reach else 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["hq_admin", "member", "finance"])
def test_other_association_gets_404_on_its_own_host(case, alpha, beta, role):
    with schema_context("alpha"):
        path = case.make(alpha.user(case.owner_role))
    # Beta's people ask for alpha's object id on beta's site: it does not exist there.
    assert beta.client(role).get(path).status_code == _expected(case, role)


@pytest.mark.django_db
def test_other_association_session_is_nothing_on_owner_host(case, alpha, beta):
    with schema_context("alpha"):
        path = case.make(alpha.user(case.owner_role))
    # A session cookie from beta, replayed on alpha's host, is unknown in alpha's schema.
    client = beta.client("hq_admin")
    client.defaults["HTTP_HOST"] = alpha.host
    response = client.get(path)
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_another_member_of_the_same_association_gets_404(case, alpha):
    with schema_context("alpha"):
        path = case.make(alpha.user(case.owner_role))
    assert alpha.client("other").get(path).status_code == _expected(case, "member")


@pytest.mark.django_db
def test_operator_session_means_nothing_on_an_association_host(case, alpha):
    from django.test import Client

    with schema_context("alpha"):
        path = case.make(alpha.user(case.owner_role))
    client = Client(HTTP_HOST="localhost")
    assert client.post("/login/", {"username": "operator",
                                   "password": "Test-passw0rd-2026"}).status_code == 302
    client.defaults["HTTP_HOST"] = alpha.host
    assert client.get(path).status_code in (302, 403)
