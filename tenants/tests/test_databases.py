"""Associations on two databases: each is provisioned on its own, a member joins each, and each
database holds only its own association's schema.

The second database is made for the test on the same PostgreSQL server (`<test db>_second`),
registered as the tenant database `second` as HUIJI_TENANT_DATABASES would, migrated by
`migrate_schemas`, and dropped at the end. Everything is committed (other connections must
see it: the second database cannot join the test's transaction), so the work runs in a thread
of its own (its own connections, autocommit, as a web worker's), and is removed afterwards.
"""

from __future__ import annotations

import io

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from tenant_apps.accounts.models import Role
from tenant_apps.accounts.services import user_create
from tenant_apps.applications.models import Status
from tenant_apps.applications.services import (
    application_payment_confirmed,
    application_start,
    application_submit,
    review_decide,
)
from tenant_apps.applications.tests.helpers import applicant, complete
from tenant_apps.configuration.models import MemberType
from tenants.databases import (
    association_context,
    current_database,
    register_database,
    unregister_database,
)
from tenants.models import Association
from tenants.services import association_create, association_delete
from tenants.tasks import association_snapshot
from tests.harness import in_thread

SLUGS = {"default": "dbone", "second": "dbtwo"}


def _admin_connection():
    settings = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=settings["USER"],
                             password=settings.get("PASSWORD") or "", host=settings["HOST"],
                             port=settings.get("PORT") or None)
    admin.autocommit = True
    return admin


def _schemas(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%' "
                       "AND nspname <> 'information_schema'")
        return {row[0] for row in cursor.fetchall()}


def _cleanup() -> None:
    connection.set_schema_to_public()
    for association in Association.objects.filter(slug__in=SLUGS.values()):
        association_delete(acting_user=None, association=association)


def _migrate() -> str:
    out = io.StringIO()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    return out.getvalue()


@pytest.fixture
def second_database(db):
    # The test is marked for `second` and `platform` (test settings mirror both to the test
    # database until here), so Django lets its threads open them.
    settings = connection.settings_dict
    name = f"{settings['NAME']}_second"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    # the test database's own URL (a socket directory as host percent-encoded: the embedded
    # PostgreSQL has one), naming the new database
    from tests.test_celery_worker import database_url

    url = f"{database_url().rsplit('/', 1)[0]}/{name}"
    register_database("second", url)
    try:
        in_thread(_cleanup)
        yield in_thread(_migrate)
        in_thread(_cleanup)
    finally:
        unregister_database("second")
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _member_joins(association: Association, n: int) -> str:
    """Sign up, apply as a senior member, a reviewer approves, finance confirms the money."""
    with association_context(association):
        person = applicant(n, phone=f"1370055{n:04d}")
        reviewer = user_create(acting_user=None, name="审核员", username=f"reviewer{n}",
                               password="Staff-passw0rd-2026", roles=[Role.REVIEWER])
        finance = user_create(acting_user=None, name="财务", username=f"finance{n}",
                              password="Staff-passw0rd-2026", roles=[Role.FINANCE])
        member_type = MemberType.objects.get(code="senior")
        app = application_start(applicant=person, member_type=member_type, rank=None)
        complete(app)
        app = application_submit(application=app, actor=person)
        assert app.status == Status.IN_REVIEW
        app = review_decide(application=app, actor=reviewer, decision="approve",
                            expected_position=0)
        assert app.status == Status.AWAITING_PAYMENT
        app = application_payment_confirmed(application=app, actor=finance)
        assert app.status == Status.COMPLETED
        return app.membership.number


@pytest.mark.django_db(databases=["default", "second", "platform"])
def test_associations_on_two_databases_each_take_a_member(second_database):
    # migrate_schemas went through both databases: public, template, associations.
    assert "default: " in second_database
    assert "second: 0 of 0 association schemas are current; migrating 0." in second_database
    in_thread(_journeys)


def _journeys() -> None:
    if True:
        made = {}
        for database, slug in SLUGS.items():
            made[database] = association_create(
                acting_user=None, name=f"{slug} 学会", slug=slug, profile="cmes",
                admin_name="管理员", admin_email=f"admin@{slug}.test",
                admin_password="Admin-passw0rd-2026", database=database).association
        one, two = made["default"], made["second"]
        assert (Association.objects.get(slug="dbone").database,
                Association.objects.get(slug="dbtwo").database) == ("default", "second")

        # Each database holds its own association's schema and not the other's.
        on_default, on_second = _schemas("default"), _schemas("second")
        assert "dbone" in on_default and "dbtwo" not in on_default
        assert on_second == {"public", "huiji_template", "dbtwo"}

        # A member joins each, numbered from one in each: two separate sets of tables.
        assert _member_joins(one, 1) == "E000000001S"
        assert _member_joins(two, 2) == "E000000001S"
        assert current_database() == "default"
        with connections["second"].cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "dbtwo"."memberships_membership"')
            assert cursor.fetchone()[0] == 1
        with connection.cursor() as cursor:
            cursor.execute('SELECT count(*) FROM "dbone"."memberships_membership"')
            assert cursor.fetchone()[0] == 1

        # A request to each host is answered from its own database.
        for association in (one, two):
            response = Client(HTTP_HOST=f"{association.slug}.localhost").get("/")
            assert response.status_code == 200
            assert association.name in response.content.decode()
            assert current_database() == "default"  # back on the primary once answered

        # A task queued for an association (as beat's for_each_association does) runs on
        # its database: the snapshot counts dbtwo's accounts (admin, applicant, 2 staff).
        with schema_context("dbtwo"):
            snapshot = association_snapshot.delay().get()
        assert (snapshot["schema"], snapshot["accounts"]) == ("dbtwo", 4)
        assert current_database() == "default"

        # A deploy's migrate finds both current, each on its own database.
        out = io.StringIO()
        call_command("migrate_schemas", tenant=True, interactive=False, stdout=out)
        assert "second: 1 of 1 association schemas are current; migrating 0." in out.getvalue()
