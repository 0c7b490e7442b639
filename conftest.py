"""The test harness (fixtures); helpers live in tests/harness.py.

Tests talk to a real PostgreSQL (the embedded one, or DATABASE_URL) with real schemas. The
associations are created once per test session (not per test): `alpha` and `beta`, each with
one account in every role, plus an operator on the public site. Tests run inside a transaction
that is rolled back, so what they change disappears while the session's tenants stay.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tests.harness import PASSWORD, ROLES, TENANTS, Site, username


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenant_apps.accounts.models import Role, User
    from tenant_apps.accounts.services import user_create
    from tenants.models import Association
    from tenants.services import association_create, platform_ensure_public

    name = connection.settings_dict["NAME"]
    if not name.startswith("test_"):
        # pytest-django creates the test database only when a collected test asks for one;
        # never seed a developer's real database because a run selected no such test.
        pytest.fail(f"refusing to seed database {name!r}: mark the test django_db")
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        platform_ensure_public()
        if not User.objects.filter(username="operator").exists():
            user_create(acting_user=None, name="Operator", username="operator",
                        password=PASSWORD, roles=[Role.OPERATOR])
        for index, slug in enumerate(TENANTS):
            if Association.objects.filter(slug=slug).exists():
                continue
            association_create(acting_user=None, name=f"{slug.title()} Society", slug=slug,
                               admin_name=f"{slug} admin", admin_email=f"admin@{slug}.test",
                               admin_password=PASSWORD, profile="cmes" if index == 0 else "")
            with schema_context(slug):
                for role in ROLES:
                    user_create(acting_user=None, name=f"{slug} {role}",
                                username=username(slug, role), password=PASSWORD,
                                email=f"{role}@{slug}.test", roles=[role])
                # A second member: someone who "should have no access to the first's stuff".
                user_create(acting_user=None, name=f"{slug} other member",
                            username=username(slug, "other"), password=PASSWORD,
                            email=f"other@{slug}.test", roles=[Role.MEMBER])
        connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _fresh_schema_and_caches():
    """Every test starts in the public schema with empty caches, whatever the last one did."""
    connection.set_schema_to_public()
    for alias in ("default", "tenant_resolution", "pages", "humancheck"):
        caches[alias].clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def alpha(db) -> Site:
    return Site("alpha")


@pytest.fixture
def beta(db) -> Site:
    return Site("beta")


@pytest.fixture
def public_client(db) -> Client:
    return Client(HTTP_HOST="localhost")
