"""Members with records, made through the real journey (apply, review, pay, activate)."""

from __future__ import annotations

from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import (
    application_payment_confirmed,
    application_start,
    application_submit,
    chain_of,
    review_decide,
)
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import MemberType
from tenants.models import Association
from tenants.services import association_create

PASSWORD = "Qx-9876-passw0rd"  # applicant()'s password


def provision(slug: str) -> str:
    if not Association.objects.filter(slug=slug).exists():
        association_create(acting_user=None, name=slug, slug=slug, profile=slug,
                           admin_name="Admin", admin_email=f"admin@{slug}.test",
                           admin_password="Admin-passw0rd-2026")
    return slug


def hq_admin() -> User:
    return User.objects.get(email=f"admin@{_slug()}.test")


def _slug() -> str:
    from django.db import connection

    return connection.schema_name


def member(code: str, n: int, *, answers: dict | None = None, rank: str | None = None,
           branch: str | None = None):
    """A member of type `code`, its application completed with sample answers overridden
    by `answers`, walked through every review step and paid. Returns the membership."""
    from tenant_apps.configuration.models import Branch

    mtype = MemberType.objects.get(code=code)
    person = applicant(n)
    app = application_start(applicant=person, member_type=mtype,
                            rank=mtype.ranks.get(code=rank) if rank else None)
    complete(app)
    app.refresh_from_db()
    if answers:
        app.answers = {**app.answers, **answers}
        app.save(update_fields=["answers"])
    if branch:
        app.branch = Branch.objects.get(code=branch)
        app.save(update_fields=["branch"])
    admin = user_create(acting_user=None, name=f"审核{n}", username=f"rev-{code}-{n}",
                        password=PASSWORD,
                        roles=[Role.HQ_ADMIN, Role.REVIEWER, Role.FINANCE, Role.SECRETARIAT])
    app = application_submit(application=app, actor=person)
    for _ in range(10):
        app.refresh_from_db()
        if app.status == Status.COMPLETED:
            break
        if app.status == Status.IN_REVIEW:
            step = chain_of(app)[app.review_position]
            decider = admin
            if step.get("branch_routed") and app.branch and app.branch.kind != "hq":
                decider = user_create(acting_user=None, name="分会", username=f"ba-{n}",
                                      password=PASSWORD, roles=[Role.BRANCH_ADMIN])
                app.branch.admins.add(decider)
            review_decide(application=app, actor=decider, decision="approve",
                          expected_position=app.review_position)
        elif app.status in (Status.AWAITING_PAYMENT, Status.PAYMENT_REVIEW):
            application_payment_confirmed(application=app, actor=admin)
    app.refresh_from_db()
    assert app.status == Status.COMPLETED, app.status
    membership = app.membership
    assert membership.user  # loaded here, in the association's schema
    return membership


def client_for(user: User, host: str) -> Client:
    from django_tenants.utils import schema_context

    client = Client(HTTP_HOST=host)
    with schema_context(host.split(".")[0]):
        client.force_login(user, backend="tenant_apps.accounts.backends.IdentifierBackend")
    return client


def queries(callable_) -> tuple[int, object]:
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        result = callable_()
    return len(ctx.captured_queries), result
