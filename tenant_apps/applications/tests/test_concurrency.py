"""Concurrency on real connections: two reviewers on one step, many activations at once.

Each actor runs in its own thread with its own database connection and commits, as two web
workers would. The work happens in an association made for the test (committed, then
dropped), since the test's own transaction is invisible to other connections.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from huiji.errors import AppError
from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Application, ApplicationEvent, Status
from tenant_apps.applications.services import (
    application_start,
    application_submit,
    review_decide,
)
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import MemberType
from tenant_apps.memberships.models import Membership
from tenant_apps.memberships.services import membership_activate
from tenants.models import Association
from tenants.services import association_create, association_delete
from tests.harness import in_thread

SLUG = "concur"


@pytest.fixture
def committed_society(db):
    def create():
        connection.set_schema_to_public()
        if not Association.objects.filter(slug=SLUG).exists():
            association_create(acting_user=None, name="并发测试学会", slug=SLUG, profile="cmes",
                               admin_name="Admin", admin_email="a@concur.test",
                               admin_password="Admin-passw0rd-2026")

    def drop():
        connection.set_schema_to_public()
        association = Association.objects.filter(slug=SLUG).first()
        if association:
            association_delete(acting_user=None, association=association)

    in_thread(create)
    yield SLUG
    in_thread(drop)


def test_two_reviewers_on_one_step_one_wins(committed_society):
    def prepare():
        with schema_context(SLUG):
            reviewers = [user_create(acting_user=None, name=f"审核员{i}", username=f"rev{i}",
                                     password="Staff-passw0rd-2026", roles=[Role.REVIEWER])
                         for i in range(2)]
            app = application_start(applicant=applicant(),
                                    member_type=MemberType.objects.get(code="senior"))
            complete(app)
            app = application_submit(application=app, actor=app.applicant)
            return app.pk, [r.pk for r in reviewers]

    app_id, reviewer_ids = in_thread(prepare)
    barrier = threading.Barrier(2)

    def decide(reviewer_id: int) -> str:
        try:
            with schema_context(SLUG):
                from tenant_apps.accounts.models import User

                reviewer = User.objects.get(pk=reviewer_id)
                app = Application.objects.get(pk=app_id)
                barrier.wait(timeout=10)
                review_decide(application=app, actor=reviewer, decision="approve",
                              expected_position=0)
                return "approved"
        except AppError as exc:
            return exc.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(decide, reviewer_ids))
    assert outcomes == ["already_decided", "approved"]

    def check():
        with schema_context(SLUG):
            app = Application.objects.get(pk=app_id)
            approvals = ApplicationEvent.objects.filter(application=app, action="approved")
            return app.status, approvals.count()

    assert in_thread(check) == (Status.AWAITING_PAYMENT, 1)


def test_concurrent_activations_never_repeat_or_skip_a_number(committed_society):
    count = 12

    def prepare():
        with schema_context(SLUG):
            return [applicant(n).pk for n in range(count)]

    user_ids = in_thread(prepare)
    barrier = threading.Barrier(count)

    def activate(index: int) -> str:
        try:
            with schema_context(SLUG):
                from tenant_apps.accounts.models import User

                user = User.objects.get(pk=user_ids[index])
                regular = MemberType.objects.get(code="regular")
                barrier.wait(timeout=20)
                if index == 0:
                    # one activation fails after taking its number: the number goes back
                    from django.db import transaction

                    try:
                        with transaction.atomic():
                            membership_activate(acting_user=None, user=user,
                                                member_type=regular, rank=None, years=1)
                            raise RuntimeError("payment reversed")
                    except RuntimeError:
                        return "rolled back"
                return membership_activate(acting_user=None, user=user, member_type=regular,
                                           rank=None, years=1).number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(activate, range(count)))
    numbers = sorted(r for r in results if r != "rolled back")
    assert len(numbers) == count - 1
    assert numbers == [f"E{n:09d}M" for n in range(1, count)]  # no repeat, no gap

    def stored():
        with schema_context(SLUG):
            return sorted(Membership.objects.values_list("number", flat=True))

    assert in_thread(stored) == numbers
