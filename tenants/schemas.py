"""Schema-level operations: cloning the template schema and finding unapplied migrations.

A new association's schema is a copy of `settings.TENANT_BASE_SCHEMA` (the template), which
`migrate_schemas` keeps fully migrated. Copying the catalogue of a migrated schema takes a
fraction of the time of running every migration, and because the template's own
`django_migrations` rows are copied with it, a clone records exactly the migrations it has;
nothing is faked.

The copy keeps every name Django chose (constraints, indexes, identity sequences), so later
migrations that refer to them by name work on clones as on migrated schemas.

Schema and table names are interpolated into SQL (PostgreSQL cannot bind identifiers); they
come from the catalogue or from validated slugs and always pass through `quote`. Hence the
S608 exemptions below.
"""

from __future__ import annotations

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def clone_schema(source: str, target: str) -> None:
    """Create `target` as a copy of `source`: tables, data, sequences, constraints, indexes.

    Runs as one batch of DDL, inside the caller's transaction when there is one, so a failure
    leaves no partial schema behind.
    """
    src, dst = quote(source), quote(target)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname", [source])
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
            "JOIN pg_namespace n ON n.oid = con.connamespace "
            "WHERE n.nspname = %s AND con.contype IN ('p', 'u', 'c', 'x', 'f') "
            # keys first, then checks and exclusions, foreign keys once every key exists
            "ORDER BY position(con.contype in 'pucxf'), c.relname, con.conname", [source])
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexdef FROM pg_indexes i WHERE i.schemaname = %s AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace"
            " WHERE n.nspname = i.schemaname AND con.conname = i.indexname)"
            " ORDER BY i.indexname", [source])
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND is_identity = 'YES'", [source])
        identities = cursor.fetchall()

        statements = [f"CREATE SCHEMA {dst}"]
        for table in tables:
            statements.append(
                f"CREATE TABLE {dst}.{quote(table)} (LIKE {src}.{quote(table)} INCLUDING DEFAULTS"
                " INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)")
        for table in tables:
            # Seed data of the template (migration records, content types, permissions).
            statements.append(
                f"INSERT INTO {dst}.{quote(table)} OVERRIDING SYSTEM VALUE "  # noqa: S608
                f"SELECT * FROM {src}.{quote(table)}")
        for table, column in identities:
            statements.append(
                f"SELECT setval(pg_get_serial_sequence('{dst}.{quote(table)}', '{column}'), "  # noqa: S608
                f"COALESCE((SELECT max({quote(column)}) FROM {dst}.{quote(table)}), 0) + 1, false)")
        # Definitions name the source schema where it is not on the search path (quoted only
        # when it needs quotes); point them at the clone.
        for table, name, _kind, definition in constraints:
            for qualified in (f"{source}.", f"{src}."):
                definition = definition.replace(f"REFERENCES {qualified}", f"REFERENCES {dst}.")
            statements.append(
                f"ALTER TABLE {dst}.{quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for definition in indexes:
            for qualified in (f"{source}.", f"{src}."):
                definition = definition.replace(f" ON {qualified}", f" ON {dst}.", 1)
            statements.append(definition)
        cursor.execute(";\n".join(statements))


def drop_schema(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote(name)} CASCADE")


def expected_migrations() -> set[tuple[str, str]]:
    """Every migration of the project, as (app, name): what a current schema has recorded."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.graph.nodes)


# Schemas read per query by `schemas_needing_migration`. Reading a schema's migration table
# takes two locks (table and index) until the statement ends; PostgreSQL's shared lock table
# has room for max_locks_per_transaction x max_connections (64 x 100 by default) for the whole
# server, so one statement over thousands of schemas fails with "out of shared memory".
CHECK_BATCH = 100


def schemas_needing_migration(schemas: list[str], *, batch: int = CHECK_BATCH) -> list[str]:
    """The schemas among `schemas` (on the current database) that lack some migration.

    Running Django's migrate in a schema that is already current costs a few hundred
    milliseconds (loading the graph, checking every app); with thousands of associations a
    deploy would spend most of its time confirming that nothing needs doing. So the migration
    tables are read directly, `batch` schemas per statement, each schema answering with one
    row (how many of the expected migrations it has). Outside a transaction each statement's
    locks are released when it ends, so at most 2 x `batch` are held at once whatever the
    number of associations.
    """
    if not schemas:
        return []
    expected = sorted(f"{app}.{name}" for app, name in expected_migrations())
    table = MigrationRecorder.Migration._meta.db_table
    current: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(schemas), batch):
            chunk = list(schemas[start:start + batch])
            # The catalogue, not the tables: which schemas have a migration table at all.
            cursor.execute(
                "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid"
                " WHERE n.nspname = ANY(%s) AND c.relname = %s AND c.relkind = 'r'",
                [chunk, table])
            with_table = sorted(row[0] for row in cursor.fetchall())
            if not with_table:
                continue
            union = " UNION ALL ".join(
                f"SELECT %s AS s, app || '.' || name AS m FROM {quote(s)}.{quote(table)}"  # noqa: S608
                for s in with_table)
            cursor.execute(
                f"SELECT s, count(DISTINCT m) FROM ({union}) applied "  # noqa: S608
                "WHERE m = ANY(%s) GROUP BY s", [*with_table, expected])
            current.update(s for s, count in cursor.fetchall() if count == len(expected))
    return [s for s in schemas if s not in current]
