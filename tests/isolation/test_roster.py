"""会员名录 across associations: one association's roster lists its own consenting members
only, another association's roster (on or off) never shows them, and a member's consent
page is their own association's."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.directory.tests.helpers import client_for, quick_member
from tenant_apps.roster.models import RosterSettings
from tenant_apps.roster.services import consent_give, roster_settings_apply

ON = {"enabled": True, "columns": ["name", "type"], "phone": "masked", "member_types": [],
      "consent_text": "同意公开"}


@pytest.mark.django_db
def test_another_associations_members_never_show(alpha, beta):
    with schema_context("alpha"):
        roster_settings_apply(ON)
        zhang = quick_member(901, "名录阿尔法会员", type_code="regular")
        consent_give(user=zhang.user, fields=[], source="joining", offered=[],
                     consent_text="同意公开")
        member = zhang.user
    with schema_context("beta"):
        # beta publishes a roster too, with nobody in it
        from tenant_apps.configuration.models import MemberType

        MemberType.objects.create(code="person", name="个人会员", kind="individual")
        roster_settings_apply(ON)
    alpha_page = Client(HTTP_HOST=alpha.host).get("/roster/")
    assert alpha_page.status_code == 200 and "名录阿尔法会员" in alpha_page.content.decode()
    beta_page = Client(HTTP_HOST=beta.host).get("/roster/")
    assert beta_page.status_code == 200 and "名录阿尔法会员" not in beta_page.content.decode()
    assert "名录阿尔法会员" not in Client(HTTP_HOST=beta.host).get(
        "/roster/", {"q": "名录"}).content.decode()
    # off on beta: 404, nothing of alpha's
    with schema_context("beta"):
        RosterSettings.objects.update(enabled=False)
    off = Client(HTTP_HOST=beta.host).get("/roster/")
    assert off.status_code == 404 and "名录阿尔法会员" not in off.content.decode()
    # alpha's member carrying the session to beta is nobody there
    carried = client_for(member, alpha.host)
    carried.defaults["HTTP_HOST"] = beta.host
    assert carried.get("/member/roster/").status_code in (302, 404)
