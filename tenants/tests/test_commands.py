"""The management commands around provisioning."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from huiji.audit.models import AuditEntry
from tenants.models import Association
from tenants.schemas import schema_exists
from tenants.services import association_set_status


@pytest.mark.django_db
def test_provision_association_prints_site_and_activation_link():
    out = io.StringIO()
    call_command("provision_association", slug="omega", name="Omega 学会", admin_name="管理员",
                 admin_email="a@omega.test", profile="caq", stdout=out)
    text = out.getvalue()
    assert "http://omega.localhost" in text
    assert "activation link: http://omega.localhost" in text
    assert schema_exists("omega")


@pytest.mark.django_db
def test_provision_association_reports_bad_input():
    with pytest.raises(CommandError, match="slug"):
        call_command("provision_association", slug="WWW", name="x", admin_name="x",
                     admin_email="a@x.test", stdout=io.StringIO())


@pytest.mark.django_db
def test_status_changes_are_audited():
    association = Association.objects.get(slug="beta")
    association_set_status(acting_user=None, association=association, status="suspended",
                           reason="contract ended")
    entry = AuditEntry.objects.get(action="association.suspended")
    assert entry.reason == "contract ended"
    assert entry.data == {"before": "active", "after": "suspended"}


@pytest.mark.django_db
def test_migrate_is_a_quick_no_op_when_current():
    out = io.StringIO()
    call_command("migrate_schemas", interactive=False, stdout=out)
    assert "are current; migrating 0." in out.getvalue()
