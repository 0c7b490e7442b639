"""A migration added to the code reaches the template on migrate, and so every new clone."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from tenants.schemas import schemas_needing_migration
from tenants.services import association_create

PROBE = '''
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunSQL(
        "CREATE TABLE portal_probe (id integer PRIMARY KEY)",
        "DROP TABLE portal_probe")]
'''


def _table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"{schema}.{table}"])
        return cursor.fetchone()[0] is not None


@pytest.fixture
def probe_migrations(tmp_path, settings):
    """The portal app's migrations plus one new migration, as if a developer had added it."""
    package = tmp_path / "probe_portal_migrations"
    source = Path(sys.modules["tenant_apps.portal"].__file__).parent / "migrations"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "0099_probe.py").write_text(PROBE)
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"portal": "probe_portal_migrations"}
    yield
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("probe_portal_migrations")]:
        del sys.modules[name]


@pytest.mark.django_db(transaction=False)
def test_new_migration_reaches_template_and_fresh_clones(probe_migrations):
    template = settings.TENANT_BASE_SCHEMA
    assert schemas_needing_migration([template]) == [template]

    call_command("migrate_schemas", interactive=False, verbosity=0)
    connection.set_schema_to_public()

    assert _table_exists(template, "portal_probe")
    assert schemas_needing_migration([template, "alpha", "beta"]) == []
    result = association_create(acting_user=None, name="Delta", slug="delta",
                                admin_name="Delta Admin", admin_email="a@delta.test",
                                admin_password="Delta-passw0rd-2026")
    assert _table_exists("delta", "portal_probe")
    with schema_context(result.association.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations "
                       "WHERE app = 'portal' AND name = '0099_probe'")
        assert cursor.fetchone()[0] == 1
