"""`migrate_schemas` over many associations: worker processes, a line of progress per schema,
a failing association isolated and reported, and a rerun that finishes only what is left.

A new migration (a table) is added to the portal app for the test; three associations lack
it, and one of them already has a table of that name, as if someone had made it by hand, so
its migration fails. The
work is committed (worker processes cannot see a test's transaction), so it runs in a thread
of its own, and every schema is put back afterwards.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tenants.models import Association
from tenants.services import association_create, association_delete
from tenants.tests.test_databases import in_thread

SLUGS = ["migone", "migtwo", "migthree"]
PROBE = '''
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunSQL(
        "CREATE TABLE portal_many_probe (id integer PRIMARY KEY)",
        "DROP TABLE portal_many_probe")]
'''


@pytest.fixture
def probe_migration(tmp_path, settings):
    package = tmp_path / "probe_many_migrations"
    source = Path(sys.modules["tenant_apps.portal"].__file__).parent / "migrations"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "0098_many_probe.py").write_text(PROBE)
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"portal": "probe_many_migrations"}
    yield
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("probe_many_migrations")]:
        del sys.modules[name]


def _sql(schema: str, sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(f'SET search_path = "{schema}"')
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else None
    connection.set_schema_to_public()
    connection.close()  # the next cursor sets its own search path again
    return rows


def _recorded(schema: str) -> bool:
    return bool(_sql(schema, "SELECT 1 FROM django_migrations WHERE app = 'portal' AND "
                             "name = '0098_many_probe'"))


def _put_back() -> None:
    connection.set_schema_to_public()
    for association in Association.objects.filter(slug__in=SLUGS):
        association_delete(acting_user=None, association=association)
    schemas = [settings.TENANT_BASE_SCHEMA, *Association.objects.exclude(
        schema_name="public").values_list("schema_name", flat=True)]
    for schema in schemas:
        _sql(schema, "DROP TABLE IF EXISTS portal_many_probe")
        _sql(schema, "DELETE FROM django_migrations WHERE app = 'portal' "
                     "AND name = '0098_many_probe'")


def _scenario() -> None:
    for slug in SLUGS:
        association_create(acting_user=None, name=f"{slug} 学会", slug=slug,
                           admin_name="管理员", admin_email=f"admin@{slug}.test",
                           admin_password="Admin-passw0rd-2026")
    # The clones have the new migration (the template got it first); make them behind, and
    # leave migtwo's table in place as the obstacle its migration will trip on.
    for slug in SLUGS:
        _sql(slug, "DELETE FROM django_migrations WHERE app = 'portal' "
                   "AND name = '0098_many_probe'")
        if slug != "migtwo":
            _sql(slug, "DROP TABLE portal_many_probe")

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("migrate_schemas", tenant=True, workers=2, interactive=False,
                     stdout=out, stderr=err)
    connection.set_schema_to_public()
    # The failure names its schema and PostgreSQL's error; the others are done.
    assert 'default:migtwo FAILED' in err.getvalue()
    assert 'relation "portal_many_probe" already exists' in err.getvalue()
    assert "1 of " in str(failed.value) and "default:migtwo:" in str(failed.value)
    assert "run again to retry" in str(failed.value)
    for slug in ("migone", "migthree"):
        assert f"default:{slug} migrated in" in out.getvalue()
        assert _recorded(slug)
    assert not _recorded("migtwo")
    assert "with 2 worker(s)" in out.getvalue()

    # Once the obstacle is gone, a rerun migrates only what was left behind.
    _sql("migtwo", "DROP TABLE portal_many_probe")
    out = io.StringIO()
    call_command("migrate_schemas", tenant=True, workers=2, interactive=False, stdout=out)
    connection.set_schema_to_public()
    assert "association schemas are current; migrating 1." in out.getvalue()
    assert "[1/1] default:migtwo migrated in" in out.getvalue()
    assert _recorded("migtwo")


@pytest.mark.django_db
def test_a_failing_association_is_reported_and_the_rest_migrate(probe_migration):
    try:
        in_thread(_scenario)
    finally:
        in_thread(_put_back)
