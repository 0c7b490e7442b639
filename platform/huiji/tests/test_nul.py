"""A NUL character in a path, query or form value is the caller's mistake: 400 with a message,
never a database error, on every page and the API."""

from __future__ import annotations

import pytest
from django.test import Client

MESSAGE = "不能包含空字符（NUL）。"


@pytest.mark.django_db
def test_the_anonymous_login_with_a_nul_is_a_400(alpha):
    for host in (alpha.host, "localhost"):
        page = Client(HTTP_HOST=host).post("/login/", {"username": "a\x00", "password": "x"})
        assert page.status_code == 400
        assert MESSAGE in page.content.decode()
        assert "<title>无法处理此请求" in page.content.decode()


@pytest.mark.django_db
def test_a_nul_in_a_query_or_path_is_a_400_for_members_and_the_api(alpha):
    member = alpha.client("member")
    assert member.get("/member/orders/", {"number": "\x00"}).status_code == 400
    assert member.get("/member/orders/%00/").status_code == 400
    api = member.get("/api/v1/orders/%00/")
    assert api.status_code == 400
    assert api.json() == {"error": {"code": "nul_character", "message": MESSAGE}}


@pytest.mark.django_db
def test_a_nul_in_a_staff_form_changes_nothing(alpha):
    finance = alpha.client("finance")
    page = finance.post("/finance/vouchers/1/", {"decision": "reject", "reason": "x\x00"})
    assert page.status_code == 400 and MESSAGE in page.content.decode()


@pytest.mark.django_db
def test_ordinary_requests_pass(alpha):
    assert Client(HTTP_HOST=alpha.host).get("/login/", {"next": "/member/"}).status_code == 200
