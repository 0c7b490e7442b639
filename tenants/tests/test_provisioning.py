"""Provisioning: one service creates a whole association, or nothing at all."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from huiji.audit.models import AuditEntry
from huiji.errors import AppError
from tenant_apps.accounts.models import Role, User
from tenant_apps.portal.models import SiteContent
from tenants.models import Association, Domain
from tenants.schemas import schema_exists, schemas_needing_migration
from tenants.services import association_create


def create(slug="gamma", **overrides):
    args = {"acting_user": None, "name": "Gamma Society", "slug": slug,
            "admin_name": "Gamma Admin", "admin_email": "admin@gamma.test",
            "admin_password": "Gamma-passw0rd-2026"}
    args.update(overrides)
    return association_create(**args)


@pytest.mark.django_db
def test_creates_schema_domain_admin_and_profile():
    result = create(profile="cacem", extra_domains=("members.gamma.test",))
    association = result.association
    assert schema_exists("gamma")
    assert sorted(Domain.objects.filter(tenant=association).values_list("domain", flat=True)) \
        == ["gamma.localhost", "members.gamma.test"]
    assert association.status == Association.Status.ACTIVE
    with schema_context("gamma"):
        admin = User.objects.get()
        assert admin.roles == [Role.HQ_ADMIN]
        assert admin.check_password("Gamma-passw0rd-2026")
        assert admin.password.startswith("pbkdf2_sha256$")  # argon2 outside tests
        assert SiteContent.objects.get().name_en == \
            "China Association of Construction Enterprise Management"
        assert AuditEntry.objects.filter(action="association.provisioned").exists()
    # The operator-side audit row lives in the public schema.
    assert AuditEntry.objects.filter(action="association.created",
                                     target_id=str(association.pk)).exists()


@pytest.mark.django_db
def test_clone_records_every_migration_and_owns_its_sequences():
    create()
    assert schemas_needing_migration(["gamma"]) == []
    with schema_context("gamma"):
        # Identity sequences are the clone's own: ids start from 1 in every association.
        User.objects.create_user(username="second", password="x")
        assert sorted(User.objects.values_list("id", flat=True)) == [1, 2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = 'gamma' AND c.contype = 'f' AND c.confrelid IN ("
            " SELECT oid FROM pg_class WHERE relnamespace = 'huiji_template'::regnamespace)")
        assert cursor.fetchone()[0] == 0, "a foreign key of the clone points at the template"


@pytest.mark.django_db
def test_first_admin_without_password_gets_one_time_activation_link(mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = create(admin_password=None)
    assert result.activation_url.startswith("http://gamma.localhost")
    with schema_context("gamma"):
        assert not User.objects.get().has_usable_password()
    assert len(mailoutbox) == 1
    assert result.activation_url in mailoutbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(("slug", "code"), [
    ("Gamma!", "invalid_slug"), ("g", "invalid_slug"), ("www", "reserved_slug"),
    ("alpha", "slug_taken"), ("pg-data", "reserved_slug"), ("a--b", "invalid_slug"),
])
def test_bad_slugs_are_refused_with_a_reason(slug, code):
    before = Association.objects.count()
    with pytest.raises(AppError) as info:
        create(slug=slug)
    assert info.value.code == code
    assert info.value.field == "slug"
    assert Association.objects.count() == before


@pytest.mark.django_db
def test_a_failure_after_cloning_leaves_nothing_behind():
    # The admin's phone is invalid: detected after the row, domain and schema were made.
    with pytest.raises(AppError) as info:
        create(admin_email=None, admin_phone="12345")
    assert info.value.code == "invalid_phone"
    assert not Association.objects.filter(slug="gamma").exists()
    assert not Domain.objects.filter(domain="gamma.localhost").exists()
    assert not schema_exists("gamma")


@pytest.mark.django_db
def test_a_domain_of_another_association_is_refused():
    with pytest.raises(AppError) as info:
        create(extra_domains=("alpha.localhost",))
    assert (info.value.code, info.value.field) == ("domain_taken", "extra_domain")
    assert "alpha.localhost" in str(info.value.message)
    assert not schema_exists("gamma")


@pytest.mark.django_db
def test_hyphenated_slug_gets_a_valid_schema_name():
    result = create(slug="gas-heat")
    assert result.association.schema_name == "gas_heat"
    assert schema_exists("gas_heat")
