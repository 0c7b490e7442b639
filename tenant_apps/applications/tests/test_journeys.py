"""Each demo association's own chain, from submission to member, at the service level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import ApplicationEvent, Status
from tenant_apps.applications.services import (
    application_payment_confirmed,
    application_problems,
    application_start,
    application_submit,
    chain_of,
    review_decide,
)
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import Branch, MemberType
from tenant_apps.notifications.models import OutboxMessage
from tenants.models import Association
from tenants.services import association_create


@pytest.fixture
def society(db):
    """Provision a demo association from its profile inside the test's transaction."""
    def make(slug: str) -> str:
        if not Association.objects.filter(slug=slug).exists():
            association_create(acting_user=None, name=slug, slug=slug, profile=slug,
                               admin_name="Admin", admin_email=f"admin@{slug}.test",
                               admin_password="Admin-passw0rd-2026")
        return slug
    return make


def staff(role: str, n: int = 1):
    return user_create(acting_user=None, name=f"{role}{n}", username=f"{role}{n}",
                       password="Staff-passw0rd-2026", roles=[role])


def start(code: str, *, rank: str | None = None, who=None):
    mtype = MemberType.objects.get(code=code)
    app = application_start(applicant=who or applicant(),
                            member_type=mtype,
                            rank=mtype.ranks.get(code=rank) if rank else None)
    complete(app)
    return app


def test_cmes_student_becomes_a_member_at_once(society):
    with schema_context(society("cmes")):
        app = start("student")
        app = application_submit(application=app, actor=app.applicant)
        assert app.status == Status.COMPLETED
        membership = app.membership
        assert membership.number == "E000000001T"
        assert membership.valid_until == dt.date(2027, 6, 30)  # the graduation date given
        assert Role.MEMBER in app.applicant.roles
        events = list(OutboxMessage.objects.filter(recipient=app.applicant)
                      .values_list("event", flat=True))
        # A member at once is welcomed, not also told to complete the application.
        assert set(events) == {"member_activated"}


def test_cmes_senior_review_then_pay_then_member(society):
    with schema_context(society("cmes")):
        reviewer, finance = staff(Role.REVIEWER), staff(Role.FINANCE)
        app = application_submit(application=(app := start("senior")), actor=app.applicant)
        assert (app.status, app.review_position) == (Status.IN_REVIEW, 0)
        app = review_decide(application=app, actor=reviewer, decision="approve",
                            expected_position=0)
        assert app.status == Status.AWAITING_PAYMENT
        app = application_payment_confirmed(application=app, actor=finance)
        assert app.status == Status.COMPLETED  # the money confirmed is the last step
        assert app.membership.number == "E000000001S"
        assert app.membership.valid_until == dt.date(timezone.localdate().year, 12, 31)


def test_cmes_regular_pays_first_then_review(society):
    with schema_context(society("cmes")):
        reviewer = staff(Role.REVIEWER)
        app = application_submit(application=(app := start("regular")), actor=app.applicant)
        assert app.status == Status.AWAITING_PAYMENT
        app = application_payment_confirmed(application=app, actor=None)
        assert app.status == Status.IN_REVIEW
        app = review_decide(application=app, actor=reviewer, decision="approve",
                            expected_position=app.review_position)
        assert app.status == Status.COMPLETED
        assert app.membership.number.endswith("M")


@pytest.mark.parametrize(("slug", "code", "rank"), [
    ("cacem", "unit", "council"), ("caq", "unit", "regular"), ("jsgas", "unit", None)])
def test_unit_chains_end_in_membership(society, slug, code, rank):
    with schema_context(society(slug)):
        people = {role: staff(role) for role in (Role.HQ_ADMIN, Role.REVIEWER, Role.FINANCE,
                                                 Role.SECRETARIAT)}
        app = start(code, rank=rank)
        app = application_submit(application=app, actor=app.applicant)
        statuses = [app.status]
        for _ in range(10):
            if app.status == Status.COMPLETED:
                break
            if app.status == Status.AWAITING_PAYMENT:
                app = application_payment_confirmed(application=app,
                                                    actor=people[Role.FINANCE])
            else:
                step = chain_of(app)[app.review_position]
                role = {"hq_reviewer": Role.REVIEWER, "hq_admin": Role.HQ_ADMIN,
                        "finance": Role.FINANCE, "secretariat": Role.SECRETARIAT}[step["role"]]
                app = review_decide(application=app, actor=people[role], decision="approve",
                                    expected_position=app.review_position)
            statuses.append(app.status)
        assert app.status == Status.COMPLETED, statuses
        assert Status.AWAITING_PAYMENT in statuses
        assert app.membership.rank == app.rank


def test_rejection_with_reason_and_resubmission_resumes_at_the_rejecting_step(society):
    with schema_context(society("cmes")):
        reviewer = staff(Role.REVIEWER)
        app = application_submit(application=(app := start("senior")), actor=app.applicant)
        with pytest.raises(AppError) as info:
            review_decide(application=app, actor=reviewer, decision="reject",
                          expected_position=0, reason="  ")
        assert info.value.code == "reason_required"
        app = review_decide(application=app, actor=reviewer, decision="reject",
                            expected_position=0, reason="证件号与姓名不符")
        assert (app.status, app.last_reason) == (Status.REJECTED, "证件号与姓名不符")
        rejected = OutboxMessage.objects.get(event="application_rejected", channel="sms")
        assert "证件号与姓名不符" in rejected.body
        app = application_submit(application=app, actor=app.applicant)
        assert (app.status, app.review_position) == (Status.IN_REVIEW, 0)
        actions = list(ApplicationEvent.objects.filter(application=app)
                       .values_list("action", "to_status"))
        assert ("rejected", "rejected") in actions and ("resubmitted", "in_review") in actions


def test_incomplete_application_cannot_be_submitted(society):
    with schema_context(society("jsgas")):
        mtype = MemberType.objects.get(code="unit")
        app = application_start(applicant=applicant(), member_type=mtype)
        problems = application_problems(app)
        assert any("营业执照" in p for p in problems)
        with pytest.raises(AppError) as info:
            application_submit(application=app, actor=app.applicant)
        assert info.value.code == "incomplete"
        assert app.status == Status.DRAFT


def test_branch_routed_step_is_for_the_chosen_branch_admins_only(society):
    with schema_context(society("cmes")):
        senior = MemberType.objects.get(code="senior")
        step = senior.review_steps.first()
        step.role, step.branch_routed = "branch_admin", True
        step.save()
        from tenant_apps.configuration.services import revision_record

        revision_record(acting_user=None, summary="branch review for seniors")
        robot, foundry = Branch.objects.get(code="robot"), Branch.objects.get(code="foundry")
        robot_admin, foundry_admin = staff(Role.BRANCH_ADMIN, 1), staff(Role.BRANCH_ADMIN, 2)
        robot.admins.add(robot_admin)
        foundry.admins.add(foundry_admin)
        app = application_start(applicant=applicant(), member_type=senior, branch=robot)
        complete(app)
        app = application_submit(application=app, actor=app.applicant)
        from huiji.errors import Forbidden

        with pytest.raises(Forbidden):
            review_decide(application=app, actor=foundry_admin, decision="approve",
                          expected_position=0)
        app = review_decide(application=app, actor=robot_admin, decision="approve",
                            expected_position=0)
        assert app.status == Status.AWAITING_PAYMENT


def test_one_open_application_at_a_time(society):
    with schema_context(society("cmes")):
        person = applicant()
        application_start(applicant=person, member_type=MemberType.objects.get(code="regular"))
        with pytest.raises(AppError) as info:
            application_start(applicant=person,
                              member_type=MemberType.objects.get(code="senior"))
        assert info.value.code == "application_open"
