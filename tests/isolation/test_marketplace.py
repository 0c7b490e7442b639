"""供需对接 across associations: with the marketplace on in both, a post published in alpha
is never listed, opened or pictured for beta's members, and beta's staff queue holds none."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.marketplace.tests.helpers import client_for, market_on, member, post


@pytest.mark.django_db
def test_a_published_post_stays_in_its_association(alpha, beta):
    with schema_context("alpha"):
        market_on()
        published = post(member(601, "阿尔法燃气"), title="阿尔法的燃气表")
        ours = client_for(alpha, member(602, "阿尔法热力"))
    assert "阿尔法的燃气表" in ours.get("/market/").content.decode()
    with schema_context("beta"):
        from tenant_apps.configuration.models import MemberType

        market_on()
        MemberType.objects.get_or_create(code="regular", defaults={"name": "会员",
                                                                   "kind": "individual"})
        theirs = client_for(beta, member(603, "贝塔燃气"))
    page = theirs.get("/market/")
    assert page.status_code == 200 and "阿尔法" not in page.content.decode()
    assert theirs.get(f"/market/{published.public_id}/").status_code == 404
    assert "阿尔法" not in beta.client("hq_admin").get(
        "/manage/market/?status=published").content.decode()
    # alpha's page with beta's session: nobody there
    replayed = Client(HTTP_HOST=alpha.host, **{"HTTP_COOKIE": theirs.cookies.output(
        header="", sep=";")})
    assert replayed.get(f"/market/{published.public_id}/").status_code == 302
