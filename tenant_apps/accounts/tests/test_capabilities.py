"""The role-to-capability table, checked against pairs written out by hand (never read from
the table itself): who may, who may not, and where."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tenant_apps.accounts.capabilities import can, scope
from tenant_apps.accounts.models import User
from tenant_apps.configuration.models import Branch

ALLOWED = [
    ("hq_admin", "staff.manage"), ("hq_admin", "configuration.manage"),
    ("hq_admin", "finance.manage"), ("hq_admin", "review.hq_reviewer"),
    ("hq_admin", "review.hq_admin"), ("hq_admin", "review.unstaffed"),
    ("hq_admin", "applications.view"), ("hq_admin", "files.view"),
    ("hq_admin", "accounts.view"), ("hq_admin", "staff.console"),
    ("reviewer", "review.hq_reviewer"), ("reviewer", "applications.view"),
    ("reviewer", "files.view"), ("reviewer", "staff.console"),
    ("finance", "finance.manage"), ("finance", "review.finance"),
    ("finance", "applications.view"), ("finance", "files.view"), ("finance", "staff.console"),
    ("secretariat", "review.secretariat"), ("secretariat", "applications.view"),
    ("secretariat", "files.view"), ("secretariat", "staff.console"),
    ("branch_admin", "review.branch_admin"), ("branch_admin", "applications.view"),
    ("branch_admin", "staff.console"),
    # the staff member page's actions
    ("hq_admin", "members.suspend"), ("hq_admin", "members.renew"),
    ("hq_admin", "members.reset_login"), ("hq_admin", "members.reveal"),
    ("secretariat", "members.suspend"), ("secretariat", "members.reset_login"),
    ("branch_admin", "members.reset_login"), ("branch_admin", "members.reveal"),
    # 供需对接 / 产品对接 moderation
    ("hq_admin", "market.moderate"), ("secretariat", "market.moderate"),
    # announcements (a branch administrator's for their branches only)
    ("hq_admin", "announcements.publish"), ("branch_admin", "announcements.publish"),
    # the console's association page invites HQ administrators (no association's schema
    # gives anyone the operator role: the staff page offers only STAFF_ROLES)
    ("operator", "staff.manage"),
]

REFUSED = [
    ("reviewer", "staff.manage"), ("reviewer", "configuration.manage"),
    ("reviewer", "finance.manage"), ("reviewer", "review.secretariat"),
    ("reviewer", "review.finance"), ("reviewer", "review.hq_admin"),
    ("reviewer", "review.unstaffed"),
    ("finance", "staff.manage"), ("finance", "configuration.manage"),
    ("finance", "review.hq_reviewer"), ("finance", "review.secretariat"),
    ("secretariat", "finance.manage"), ("secretariat", "review.hq_reviewer"),
    ("secretariat", "staff.manage"),
    ("branch_admin", "files.view"), ("branch_admin", "finance.manage"),
    ("branch_admin", "review.hq_reviewer"), ("branch_admin", "staff.manage"),
    ("branch_admin", "configuration.manage"), ("branch_admin", "accounts.view"),
    ("hq_admin", "review.finance"), ("hq_admin", "review.secretariat"),
    ("hq_admin", "review.branch_admin"),
    ("member", "staff.console"), ("member", "applications.view"),
    ("member", "finance.manage"), ("member", "staff.manage"), ("member", "files.view"),
    ("operator", "staff.console"),
    ("reviewer", "members.suspend"), ("reviewer", "members.renew"),
    ("reviewer", "members.reset_login"), ("reviewer", "members.reveal"),
    ("finance", "members.suspend"), ("finance", "members.renew"),
    ("finance", "members.reset_login"), ("finance", "members.reveal"),
    ("secretariat", "members.renew"), ("secretariat", "members.reveal"),
    ("branch_admin", "members.suspend"), ("branch_admin", "members.renew"),
    ("member", "members.reset_login"), ("member", "members.reveal"),
    ("reviewer", "market.moderate"), ("finance", "market.moderate"),
    ("branch_admin", "market.moderate"), ("member", "market.moderate"),
    ("reviewer", "announcements.publish"), ("finance", "announcements.publish"),
    ("secretariat", "announcements.publish"), ("member", "announcements.publish"),
]


def person(*roles: str, active: bool = True) -> User:
    return User(username="x", roles=list(roles), is_active=active)


@pytest.mark.parametrize(("role", "capability"), ALLOWED)
def test_role_may(role, capability):
    assert can(person(role), capability)


@pytest.mark.parametrize(("role", "capability"), REFUSED)
def test_role_may_not(role, capability):
    assert not can(person(role), capability)


def test_scopes_by_hand():
    assert scope(person("branch_admin"), "applications.view") == "branch"
    assert scope(person("reviewer"), "applications.view") == "all"
    # Several roles: the widest scope wins.
    assert scope(person("branch_admin", "reviewer"), "applications.view") == "all"
    assert scope(person("member"), "applications.view") is None


def test_nobody_anonymous_or_deactivated_holds_anything():
    assert not can(AnonymousUser(), "staff.console")
    assert not can(person("hq_admin", active=False), "staff.manage")
    assert not can(None, "staff.console")


@pytest.mark.django_db
def test_branch_scope_is_the_appointed_branches_only(alpha):
    from django_tenants.utils import schema_context

    with schema_context("alpha"):
        admin = alpha.user("branch_admin")
        robot, foundry = Branch.objects.get(code="robot"), Branch.objects.get(code="foundry")
        robot.admins.add(admin)
        assert can(admin, "review.branch_admin", branch=robot)
        assert not can(admin, "review.branch_admin", branch=foundry)
        # HQ roles are not limited by a branch.
        assert can(alpha.user("reviewer"), "applications.view", branch=foundry)


def test_an_unknown_capability_is_a_programming_error():
    with pytest.raises(ValueError):
        can(person("hq_admin"), "staff.manag")


@pytest.mark.django_db
def test_a_branch_role_acts_only_on_members_of_its_branch(alpha):
    """can_for_member: the member's record's branch decides; a member of headquarters (no
    branch) is nobody's branch."""
    import datetime as dt

    from django_tenants.utils import schema_context

    from tenant_apps.accounts.capabilities import can_for_member
    from tenant_apps.applications.tests.helpers import applicant
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import membership_activate
    from tenant_apps.records.models import MemberRecord

    with schema_context("alpha"):
        admin = alpha.user("branch_admin")
        Branch.objects.get(code="robot").admins.add(admin)
        members = {}
        for n, code in ((901, "robot"), (902, "mech_history"), (903, None)):
            m = membership_activate(acting_user=None, user=applicant(n), rank=None, years=1,
                                    member_type=MemberType.objects.get(code="senior"),
                                    start=dt.date(2025, 3, 1))
            MemberRecord.objects.create(membership=m, values={}, branch=Branch.objects.get(
                code=code) if code else None)
            members[code] = m
        assert can_for_member(admin, "members.reveal", members["robot"])
        assert not can_for_member(admin, "members.reveal", members["mech_history"])
        assert not can_for_member(admin, "members.reveal", members[None])
        assert not can_for_member(admin, "members.suspend", members["robot"])
        assert can_for_member(alpha.user("hq_admin"), "members.suspend", members[None])
