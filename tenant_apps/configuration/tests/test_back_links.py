"""The move and delete buttons go back to the screen they were on, and only to this site."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenant_apps.configuration.models import MemberType


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/x",
                                    "http://beta.localhost/manage/config/"])
def test_a_crafted_next_does_not_leave_the_site(alpha, target):
    client = alpha.client("hq_admin")
    with schema_context("alpha"):
        field = MemberType.objects.get(code="regular").form_steps.first().fields.first()
    response = client.post(f"/manage/config/move/field/{field.pk}/",
                           {"direction": "down", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/manage/config/"


@pytest.mark.django_db
def test_next_on_this_site_is_followed(alpha):
    client = alpha.client("hq_admin")
    with schema_context("alpha"):
        field = MemberType.objects.get(code="regular").form_steps.first().fields.first()
    response = client.post(f"/manage/config/move/field/{field.pk}/",
                           {"direction": "down", "next": "/manage/config/types/regular/"})
    assert response["Location"] == "/manage/config/types/regular/"
