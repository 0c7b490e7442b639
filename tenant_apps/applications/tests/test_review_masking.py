"""The review page masks personal numbers as the member page does: an ID number for every
staff member, a phone for all but HQ administrators (who manage members)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenant_apps.applications.services import application_start, application_submit
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import MemberType


@pytest.mark.django_db
def test_the_review_page_masks_id_numbers_and_phones(alpha):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(75),
                                member_type=MemberType.objects.get(code="senior"))
        complete(app)
        app = application_submit(application=app, actor=app.applicant)
    path = f"/review/{app.public_id}/"
    for role in ("reviewer", "finance", "branch_admin", "hq_admin"):
        page = alpha.client(role).get(path)
        if page.status_code == 404:  # a branch administrator of another branch
            continue
        text = page.content.decode()
        assert "11010519491231002X" not in text, role
        assert "110***********002X" in text, role
        if role == "hq_admin":
            assert "13912345678" in text
        else:
            assert "13912345678" not in text and "139****5678" in text, role
