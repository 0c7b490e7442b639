"""Accounts belong to one association; log in by phone, email or username."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tests.harness import solved_slider

PASSWORD = "Str0ng-passw0rd-2026"


def login(host: str, identifier: str, password: str = PASSWORD):
    return Client(HTTP_HOST=host).post("/login/", {"username": identifier,
                                                   "password": password, **solved_slider(host)})


@pytest.mark.django_db
@pytest.mark.parametrize("identifier", ["13912345678", "+86 139-1234-5678", "Li@Example.COM",
                                        "lilei"])
def test_login_by_phone_email_or_username(alpha, identifier):
    with schema_context("alpha"):
        user_create(acting_user=None, name="李雷", username="lilei", phone="13912345678",
                    email="li@example.com", password=PASSWORD, roles=[Role.MEMBER])
    response = login(alpha.host, identifier)
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db
def test_wrong_password_gets_a_clear_message(alpha):
    response = login(alpha.host, "alpha-member", "wrong")
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()


@pytest.mark.django_db
def test_an_account_belongs_to_one_association(alpha, beta):
    with schema_context("alpha"):
        user_create(acting_user=None, name="张三", phone="13800001111", password=PASSWORD)
    assert login(alpha.host, "13800001111").status_code == 302
    assert login(beta.host, "13800001111").status_code == 200  # unknown there
    # ...and the same phone signs up with the other association independently.
    with schema_context("beta"):
        user_create(acting_user=None, name="张三", phone="13800001111",
                    password="Other-passw0rd-2026")
    assert login(beta.host, "13800001111", "Other-passw0rd-2026").status_code == 302
    assert login(alpha.host, "13800001111", "Other-passw0rd-2026").status_code == 200


@pytest.mark.django_db
def test_operators_log_in_on_the_platform_only(alpha, public_client):
    assert public_client.post("/login/", {"username": "operator",
                                          "password": "Test-passw0rd-2026"}).status_code == 302
    assert login(alpha.host, "operator", "Test-passw0rd-2026").status_code == 200


def test_passwords_are_hashed_with_argon2_outside_tests():
    from huiji.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.PASSWORD_HASHERS  # the test settings only swap in a faster first hasher


@pytest.mark.django_db
def test_argon2_hash_is_stored(alpha, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    with schema_context("alpha"):
        user = user_create(acting_user=None, name="王五", email="w@example.com",
                           password=PASSWORD)
        assert User.objects.get(pk=user.pk).password.startswith("argon2$argon2id$")


@pytest.mark.django_db
@pytest.mark.parametrize(("kwargs", "code"), [
    ({"phone": "123"}, "invalid_phone"),
    ({"email": "not-an-email"}, "invalid_email"),
    ({}, "account_identifier_required"),
    ({"email": "a@b.test", "password": "12345678"}, "weak_password"),
    ({"email": "admin@alpha.test"}, "account_exists"),
    ({"email": "x@b.test", "roles": ["king"]}, "unknown_role"),
])
def test_bad_account_input_is_refused_and_changes_nothing(alpha, kwargs, code):
    with schema_context("alpha"):
        before = User.objects.count()
        with pytest.raises(AppError) as info:
            user_create(acting_user=None, name="x", **kwargs)
        assert info.value.code == code
        assert User.objects.count() == before
