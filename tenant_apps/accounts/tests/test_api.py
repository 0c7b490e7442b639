"""The API: session-authenticated, errors in one shape, every endpoint in the OpenAPI schema."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client


@pytest.mark.django_db
def test_me(alpha):
    response = alpha.client("finance").get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["roles"] == ["finance"]
    assert response.json()["username"] == "alpha-finance"


@pytest.mark.django_db
def test_anonymous_gets_a_translated_error_in_the_common_shape(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/api/v1/me/")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"] == "身份认证信息未提供。"


@pytest.mark.django_db
def test_hq_admin_sees_accounts_others_only_their_own(alpha):
    member = alpha.user("member")
    assert alpha.client("hq_admin").get(f"/api/v1/users/{member.public_id}/").status_code == 200
    assert alpha.client("member").get(f"/api/v1/users/{member.public_id}/").status_code == 200
    response = alpha.client("finance").get(f"/api/v1/users/{member.public_id}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_openapi_schema_lists_every_tenant_endpoint(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert {"/api/v1/me/", "/api/v1/users/{public_id}/"} <= set(schema["paths"])
