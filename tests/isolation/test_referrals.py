"""Referral codes across associations: a code is signed under its association's schema, so a
code of alpha opened on beta's site names nobody, even where beta has a member with the same
id and a channel of the same kind; and beta's report shows none of alpha's referrals."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.applications.services import application_start
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import MemberType, ReferralChannel
from tenant_apps.memberships.services import membership_activate
from tenant_apps.referrals.codes import member_code


def _member(n: int, name: str, mtype: MemberType):
    return membership_activate(acting_user=None, user=applicant(n, name=name), rank=None,
                               years=1, member_type=mtype)


@pytest.mark.django_db
def test_a_code_of_one_association_is_nothing_on_another(alpha, beta):
    with schema_context("alpha"):
        zhang = _member(801, "张三", MemberType.objects.get(code="regular"))
        alpha_code = member_code(zhang)
        application_start(applicant=applicant(802), referrer_name="张三",
                          referrer_number=zhang.number,
                          member_type=MemberType.objects.get(code="regular"),
                          referral=ReferralChannel.objects.get(code="member"), by_code=True)
    with schema_context("beta"):
        ReferralChannel.objects.create(code="member", label="个人会员推荐",
                                       kind="individual_member")
        someone = _member(801, "贝塔会员", MemberType.objects.create(
            code="person", name="个人会员", kind="individual"))
        beta_code = member_code(someone)
    assert alpha_code != beta_code
    on_beta = Client(HTTP_HOST=beta.host).get(f"/r/{alpha_code}/")
    assert on_beta.status_code == 404
    assert "推荐链接无效" in on_beta.content.decode() and "张三" not in on_beta.content.decode()
    assert "贝塔会员" not in on_beta.content.decode()
    # beta's own code works on beta, and alpha's host does not know it
    assert "贝塔会员" in Client(HTTP_HOST=beta.host).get(f"/r/{beta_code}/").content.decode()
    assert Client(HTTP_HOST=alpha.host).get(f"/r/{beta_code}/").status_code == 404
    # beta's report counts none of alpha's referrals
    page = beta.client("hq_admin").get("/manage/referrals/").content.decode()
    assert 'data-total="applications">0<' in page and "张三" not in page
    # alpha's staff session on beta's host is nobody there
    alpha_staff = alpha.client("hq_admin")
    alpha_staff.defaults["HTTP_HOST"] = beta.host
    assert alpha_staff.get("/manage/referrals/").status_code in (302, 404)
