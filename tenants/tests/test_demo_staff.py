"""The demo's staff: every association has someone in every role its review chains need,
made through the staff page's service, who can log in with the printed password."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import User
from tenant_apps.configuration.models import MemberType
from tenant_apps.configuration.selectors import review_steps_unstaffed
from tenants.management.commands.demo_setup import ASSOCIATIONS, STAFF_PASSWORD, demo_staff_create
from tenants.services import association_create


@pytest.mark.django_db
@pytest.mark.parametrize("spec", ASSOCIATIONS, ids=[s["slug"] for s in ASSOCIATIONS])
def test_demo_staff_cover_every_review_step(spec):
    slug = f"d{spec['slug']}"
    association_create(acting_user=None, name=slug, slug=slug, profile=spec["profile"],
                       admin_name="管理员", admin_phone=spec["admin_phone"],
                       admin_password="Admin-passw0rd-2026")
    with schema_context(slug):
        demo_staff_create(spec["slug"], spec["admin_phone"])
        demo_staff_create(spec["slug"], spec["admin_phone"])  # again: nothing doubles
        staff = {u.name: (u.roles, sorted(b.code for b in u.administered_branches.all()),
                          u.check_password(STAFF_PASSWORD))
                 for u in User.objects.exclude(phone=spec["admin_phone"])}
        flagged = {(t.code, step.name) for t in MemberType.objects.all()
                   for step in t.review_steps.all()
                   if review_steps_unstaffed(t)[step.pk] is not None}
    assert flagged == set()
    expected = {
        "cmes": {"学会审核员": (["reviewer"], [], True), "学会财务": (["finance"], [], True),
                 "机器人分会管理员": (["branch_admin"], ["robot"], True),
                 "机械史分会管理员": (["branch_admin"], ["mech_history"], True)},
        "cacem": {"协会审核员": (["reviewer"], [], True), "协会财务": (["finance"], [], True)},
        "caq": {"资料审核员": (["reviewer"], [], True), "协会财务": (["finance"], [], True),
                "秘书处": (["secretariat"], [], True)},
        "jsgas": {"协会财务": (["finance"], [], True)},
    }[spec["slug"]]
    assert staff == expected


@pytest.mark.django_db
def test_caq_without_its_secretariat_has_an_unstaffed_step():
    """The check above would notice a missing role: CAQ's 秘书处入会审批 with no secretariat."""
    association_create(acting_user=None, name="dcaq", slug="dcaq", profile="caq",
                       admin_name="管理员", admin_phone="13800000003",
                       admin_password="Admin-passw0rd-2026")
    with schema_context("dcaq"):
        unit = MemberType.objects.get(code="unit")
        flagged = [s.name for s in unit.review_steps.all()
                   if review_steps_unstaffed(unit)[s.pk] is not None]
    assert flagged == ["秘书处入会审批"]


@pytest.mark.django_db
def test_demo_staff_are_not_sent_an_invitation_to_set_a_password():
    from tenant_apps.notifications.models import OutboxMessage

    association_create(acting_user=None, name="dcaq2", slug="dcaq2", profile="caq",
                       admin_name="管理员", admin_phone="13800000003",
                       admin_password="Admin-passw0rd-2026")
    with schema_context("dcaq2"):
        demo_staff_create("caq", "13800000003")
        staff = list(User.objects.filter(phone__in=["13800000031", "13800000032",
                                                    "13800000033"]))
        sent = list(OutboxMessage.objects.filter(recipient__in=staff))
        assert [u.check_password(STAFF_PASSWORD) for u in staff] == [True, True, True]
    assert sent == []
