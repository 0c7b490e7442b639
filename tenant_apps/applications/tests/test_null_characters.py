"""Answers with a NUL character are refused beside the field: PostgreSQL keeps none in text
or jsonb, so saving them was a server error (found by the API fuzzing, tests/fuzz)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.models import Application
from tenant_apps.applications.services import application_start
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import MemberType

BACKEND = "tenant_apps.accounts.backends.IdentifierBackend"


@pytest.mark.django_db
@pytest.mark.parametrize("answer", ["张\x00三", ["\x00"], {"x": "\x00"}])
def test_a_null_character_in_an_answer_is_refused_with_a_message(alpha, answer):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(71),
                                 member_type=MemberType.objects.get(code="student"))
        client = Client(HTTP_HOST=alpha.host)
        client.force_login(app.applicant, backend=BACKEND)
    response = client.put(f"/api/v1/applications/{app.public_id}/steps/0/",
                          {"answers": {"name": answer, "gender": "女"}},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["fields"] == {"name": "Null characters are not allowed."}
    with schema_context("alpha"):
        # the other answer is kept, as on any draft save; the bad one is not (the name
        # stays the one given at sign-up, prefilled when the application started)
        assert Application.objects.get(pk=app.pk).answers == {"gender": "女",
                                                               "name": "申请人71"}
    chinese = client.put(f"/api/v1/applications/{app.public_id}/steps/0/",
                         {"answers": {"name": "\x00"}}, content_type="application/json")
    assert chinese.json()["error"]["fields"] == {"name": "不能包含空字符（NUL）。"}
