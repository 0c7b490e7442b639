from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.harness import solved_slider


@pytest.mark.django_db
def test_factory_users_live_in_the_schema_they_were_made_in(alpha, beta):
    with schema_context("alpha"):
        reviewer = UserFactory(roles=[Role.REVIEWER, Role.FINANCE])
        assert reviewer.is_association_staff and not reviewer.is_operator
        assert reviewer.has_role(Role.FINANCE)
    with schema_context("beta"):
        assert not User.objects.filter(username=reviewer.username).exists()
    response = Client(HTTP_HOST=alpha.host).post(
        "/login/", {"username": reviewer.phone, "password": DEFAULT_PASSWORD,
                     **solved_slider(alpha.host)})
    assert response.status_code == 302


@pytest.mark.django_db
def test_session_has_an_account_in_every_role(alpha, beta):
    for site in (alpha, beta):
        for role in Role.values:
            if role == Role.OPERATOR:
                continue
            assert site.user(role).roles == [role]
