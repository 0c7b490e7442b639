from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client


@pytest.mark.django_db
def test_join_info_is_public(alpha):
    response = Client(HTTP_HOST=alpha.host).get("/api/v1/join/")
    assert response.status_code == 200
    types = {t["code"]: t for t in response.json()["member_types"]}
    assert types["senior"]["fees"][0]["amount_fen"] == 10000
    assert types["senior"]["years"] == [1, 2, 3, 4, 5, 10]
    assert types["student"]["review_steps"] == []


@pytest.mark.django_db
def test_profile_read_and_replace_for_hq_admins_only(alpha):
    admin = alpha.client("hq_admin")
    document = admin.get("/api/v1/config/profile/").json()
    assert [t["code"] for t in document["member_types"]] == ["student", "regular", "senior"]
    assert alpha.client("reviewer").get("/api/v1/config/profile/").status_code == 403

    document["member_types"][0]["number"]["suffix"] = "S"  # collides with senior
    response = admin.put("/api/v1/config/profile/", json.dumps(document),
                         content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "profile_invalid"
    assert {"path": "member_types[2].number",
            "rule": error["details"]["problems"][0]["rule"]} in error["details"]["problems"]

    document["member_types"][0]["number"]["suffix"] = "T"
    document["member_types"][0]["eligibility"] = "在读本科二年级以上学生"
    response = admin.put("/api/v1/config/profile/",
                         json.dumps({"yaml": yaml.safe_dump(document, allow_unicode=True)}),
                         content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["profile"]["member_types"][0]["eligibility"] == "在读本科二年级以上学生"


@pytest.mark.django_db
def test_fee_add_returns_the_preview(alpha):
    admin = alpha.client("hq_admin")
    response = admin.post("/api/v1/config/member-types/regular/fees/",
                          {"amount_fen": 6000, "effective_from": "2027-01-01"},
                          content_type="application/json")
    assert response.status_code == 201
    assert [line["amount_fen"] for line in response.json()] == [6000, 12000, 18000, 24000,
                                                                30000]
    again = admin.post("/api/v1/config/member-types/regular/fees/",
                       {"amount_fen": 7000, "effective_from": "2027-01-01"},
                       content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "effective_from"
    negative = admin.post("/api/v1/config/member-types/regular/fees/",
                          {"amount_fen": -1, "effective_from": "2027-02-01"},
                          content_type="application/json")
    assert negative.status_code == 400
    assert "amount_fen" in negative.json()["error"]["fields"]


@pytest.mark.django_db
def test_fee_beyond_the_largest_is_refused_not_a_server_error(alpha):
    """2**63 fen does not fit the column (it was a 500, found by tests/fuzz)."""
    from django_tenants.utils import schema_context

    from tenant_apps.configuration.models import FEE_MAX_FEN, Fee

    admin = alpha.client("hq_admin")
    with schema_context("alpha"):
        before = Fee.objects.count()
    for amount in (2**63, FEE_MAX_FEN + 1):
        response = admin.post("/api/v1/config/member-types/regular/fees/",
                              {"amount_fen": amount, "effective_from": "2027-03-01"},
                              content_type="application/json")
        assert response.status_code == 400, response.content
        assert "amount_fen" in response.json()["error"]["fields"]
    with schema_context("alpha"):
        assert Fee.objects.count() == before
    largest = admin.post("/api/v1/config/member-types/regular/fees/",
                         {"amount_fen": FEE_MAX_FEN, "effective_from": "2027-03-01"},
                         content_type="application/json")
    assert largest.status_code == 201


@pytest.mark.django_db
def test_configuration_endpoints_are_in_the_openapi_schema(alpha):
    schema = yaml.safe_load(Client(HTTP_HOST=alpha.host).get("/api/schema/").content)
    assert {"/api/v1/join/", "/api/v1/config/profile/",
            "/api/v1/config/member-types/{code}/fees/"} <= set(schema["paths"])
