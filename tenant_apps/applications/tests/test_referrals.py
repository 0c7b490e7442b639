"""Referral rules: valid referrer, no referring upwards, branch channels name a branch."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.applications.services import application_choose, application_start
from tenant_apps.applications.tests.helpers import applicant
from tenant_apps.configuration.models import Branch, MemberType, ReferralChannel
from tenant_apps.memberships.services import membership_activate


def _regular_member(n: int, name: str):
    user = applicant(n, name=name)
    return membership_activate(acting_user=None, user=user,
                               member_type=MemberType.objects.get(code="regular"),
                               rank=None, years=1)


@pytest.mark.django_db
def test_member_referral_rules(alpha):
    with schema_context("alpha"):
        referrer = _regular_member(50, "推荐人甲")
        channel = ReferralChannel.objects.get(kind="individual_member")
        senior_app = application_start(applicant=applicant(51),
                                       member_type=MemberType.objects.get(code="senior"))
        with pytest.raises(AppError) as info:  # a regular member cannot refer a senior
            application_choose(application=senior_app, actor=senior_app.applicant,
                               referral=channel, referrer_name="推荐人甲",
                               referrer_number=referrer.number)
        assert (info.value.code, info.value.field) == ("referrer_level", "referrer_number")
        with pytest.raises(AppError) as info:
            application_choose(application=senior_app, actor=senior_app.applicant,
                               referral=channel, referrer_name="别人",
                               referrer_number=referrer.number)
        assert info.value.code == "referrer_unknown"
        regular_app = application_start(applicant=applicant(52),
                                        member_type=MemberType.objects.get(code="regular"))
        application_choose(application=regular_app, actor=regular_app.applicant,
                           referral=channel, referrer_name="推荐人甲",
                           referrer_number=referrer.number)
        referrer.status = "lapsed"
        referrer.save()
        with pytest.raises(AppError) as info:
            application_choose(application=regular_app, actor=regular_app.applicant,
                               referral=channel, referrer_name="推荐人甲",
                               referrer_number=referrer.number)
        assert info.value.code == "referrer_not_valid"


@pytest.mark.django_db
def test_branch_and_other_channels(alpha):
    with schema_context("alpha"):
        app = application_start(applicant=applicant(53),
                                member_type=MemberType.objects.get(code="regular"))
        with pytest.raises(AppError) as info:
            application_choose(application=app, actor=app.applicant,
                               referral=ReferralChannel.objects.get(kind="branch"))
        assert info.value.field == "referral_branch"
        app = application_choose(application=app, actor=app.applicant,
                                 referral=ReferralChannel.objects.get(kind="other"))
        assert app.referral_branch == Branch.objects.get(code="hq")
