"""Export one association to an archive, and restore it (docs/operations.md, "Export and restore").

The archive is a .tar.gz, written to disk as it is made (nothing the size of the data is held
in memory):

    data/<table>.copy     every table of the association's schema, PostgreSQL COPY text format
    media/<name>          every file under the association's storage prefix (through Django
                          storage, so local folders and S3 alike)
    association.json      its public-schema rows: the Association and its domains
    manifest.json         format version, source, migration state, tables (columns, row
                          counts, load order), files, and the SHA-256 of every member above
    manifest.sig          HMAC-SHA256 of manifest.json with the platform's key

Why COPY through psycopg2 and not pg_dump: the embedded PostgreSQL of development and small
installations has no pg_dump of a matching version beside it, and pg_dump of one schema would
also restore into that schema's name only. COPY works over the application's own connection,
and the tables are those of the template, so a restore builds the schema by cloning the
template and fills it table by table.

The export reads every table in one REPEATABLE READ transaction: one consistent snapshot.
Files are not transactional; one deleted while the export runs is listed as vanished in the
manifest (never left out silently).

A restore checks everything before it changes anything: every member's checksum, the
signature (so a changed archive is refused, not only a damaged one), the format version,
that the archive's recorded migrations are exactly those of the code's template, and that
every table has the same columns. The schema's rows are then replaced in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_context

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenants.models import Association, Domain
from tenants.schemas import clone_schema, quote, schema_exists

FORMAT = "huiji-association-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CHUNK = 1024 * 1024


# --- the schema's tables ------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]  # stored columns only: generated ones are computed on load


def schema_tables(schema: str) -> list[Table]:
    """The schema's tables in an order where every table comes after those its foreign keys
    point to (Django's keys are deferrable as well, so a cycle would still load)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
            " AND NOT a.attisdropped AND a.attgenerated = '' "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') GROUP BY c.relname", [schema])
        columns = {name: tuple(cols) for name, cols in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname, r.relname FROM pg_constraint con "
            "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid "
            "JOIN pg_namespace n ON n.oid = con.connamespace "
            "WHERE n.nspname = %s AND con.contype = 'f'", [schema])
        depends: dict[str, set[str]] = {name: set() for name in columns}
        for table, referenced in cursor.fetchall():
            if referenced != table and referenced in columns:
                depends[table].add(referenced)
    ordered: list[str] = []
    placed: set[str] = set()
    while len(ordered) < len(columns):
        ready = sorted(t for t in columns if t not in placed and depends[t] <= placed)
        if not ready:  # a cycle: take the first remaining table, deferred keys cover it
            ready = [min(t for t in columns if t not in placed)]
        for table in ready:
            ordered.append(table)
            placed.add(table)
    return [Table(name, columns[name]) for name in ordered]


def _column_list(table: Table) -> str:
    return ", ".join(quote(c) for c in table.columns)


def applied_migrations(schema: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quote(schema)}.django_migrations "  # noqa: S608
                       "ORDER BY app, name")
        return [[app, name] for app, name in cursor.fetchall()]


# --- files under the association's storage prefix ---------------------------------------------

def storage_files(directory: str = "") -> Iterator[str]:
    """Every file name under the current association's storage prefix (names as the rows store
    them, without the prefix)."""
    try:
        dirs, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(dirs):
        yield from storage_files(f"{directory}/{sub}" if directory else sub)


def _safe_media_name(name: str) -> str:
    """A file name from an archive, refused unless it is a plain relative path."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(p in ("", ".", "..") for p in path.parts) \
            or "\\" in name or "\x00" in name:
        raise AppError("archive_bad_name", _("The archive holds a file with an unsafe name."))
    return name


# --- signing ------------------------------------------------------------------------------------

def _signature(manifest: bytes) -> str:
    # The platform's master key (as for stored payment keys): an archive restores where the
    # same key is configured, and its encrypted payment keys decrypt there too.
    key = settings.ENCRYPTION_KEY or settings.SECRET_KEY
    return salted_hmac("huiji.transfer.manifest", manifest, secret=key,
                       algorithm="sha256").hexdigest()


class _Hashing(io.RawIOBase):
    """Reads through from `source` and hashes what passed."""

    def __init__(self, source):
        self.source, self.sha = source, hashlib.sha256()

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.source.read(size)
        self.sha.update(data)
        return data


# --- export -------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    size: int
    sha256: str
    tables: int
    rows: int
    files: int
    vanished: list[str] = field(default_factory=list)


def association_export(*, acting_user, association: Association, path: Path | str,
                       progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write `association`'s archive to `path` (created with owner-only permissions: it holds
    personal data and password hashes)."""
    path = Path(path)
    say = progress or (lambda _message: None)
    schema = association.schema_name
    if schema == "public":
        raise AppError("public_not_exportable", _("The platform itself cannot be exported."))
    members: dict[str, str] = {}
    table_entries: list[dict] = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar, \
            tempfile.TemporaryDirectory(prefix="huiji-export-") as scratch:

        def add(name: str, source, size: int) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = size, 0o600, int(timezone.now().timestamp())
            hashing = _Hashing(source)
            tar.addfile(info, hashing)
            members[name] = hashing.sha.hexdigest()

        with transaction.atomic(), connection.cursor() as cursor:
            if len(connection.atomic_blocks) == 1:
                # First statement of our own transaction: every table from one snapshot.
                # (Inside a caller's transaction, as in tests, that one's snapshot holds.)
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            migrations = applied_migrations(schema)
            for table in schema_tables(schema):
                spool = Path(scratch) / "table"
                with spool.open("wb") as out:
                    cursor.copy_expert(
                        f"COPY {quote(schema)}.{quote(table.name)} ({_column_list(table)}) "
                        "TO STDOUT", out)
                with spool.open("rb") as data:
                    rows = sum(chunk.count(b"\n") for chunk in iter(lambda: data.read(CHUNK), b""))
                    data.seek(0)
                    add(f"data/{table.name}.copy", data, spool.stat().st_size)
                table_entries.append({"name": table.name, "columns": list(table.columns),
                                      "rows": rows})
                say(f"{table.name}: {rows} rows")
        files, vanished = [], []
        with schema_context(schema):
            for name in storage_files():
                try:
                    size = default_storage.size(name)
                    with default_storage.open(name, "rb") as source:
                        add(f"media/{name}", source, size)
                except FileNotFoundError:
                    vanished.append(name)  # deleted between listing and reading (an expiry)
                    continue
                files.append({"name": name, "size": size})
        say(f"{len(files)} files")
        public = {
            "association": {"name": association.name, "short_name": association.short_name,
                            "slug": association.slug, "schema_name": schema,
                            "status": association.status, "profile": association.profile,
                            "created_at": association.created_at.isoformat()},
            "domains": [{"domain": d.domain, "is_primary": d.is_primary}
                        for d in association.domains.order_by("-is_primary", "domain")],
        }
        body = json.dumps(public, ensure_ascii=False, indent=1).encode()
        add("association.json", io.BytesIO(body), len(body))
        manifest = json.dumps({
            "format": FORMAT, "version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(), "source": association.slug,
            "migrations": migrations, "tables": table_entries, "files": files,
            "vanished": vanished, "sha256": members,
        }, ensure_ascii=False, indent=1).encode()
        for name, content in ((MANIFEST, manifest), (SIGNATURE, _signature(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o600
            tar.addfile(info, io.BytesIO(content))
    with schema_context(get_public_schema_name()):  # the operators' trail, not the tenant's
        audit_record(actor=acting_user, action="association.exported", target=association,
                     data={"tables": len(table_entries), "files": len(files),
                           "vanished": len(vanished)})
    digest = hashlib.sha256()
    with path.open("rb") as done:
        for chunk in iter(lambda: done.read(CHUNK), b""):
            digest.update(chunk)
    return ExportResult(path=path, size=path.stat().st_size, sha256=digest.hexdigest(),
                        tables=len(table_entries),
                        rows=sum(t["rows"] for t in table_entries), files=len(files),
                        vanished=vanished)


# --- reading an archive -------------------------------------------------------------------------

@dataclass
class Archive:
    """An archive unpacked into a scratch folder and verified: only ever built by
    `archive_open`, so holding one means every check passed."""

    folder: Path
    manifest: dict
    public: dict
    paths: dict[str, Path]

    def table_path(self, name: str) -> Path:
        return self.paths[f"data/{name}.copy"]

    def media_path(self, name: str) -> Path:
        return self.paths[f"media/{name}"]


def _refuse(code: str, message) -> AppError:
    return AppError(code, message, status=400)


def archive_open(path: Path | str, scratch: Path) -> Archive:
    """Unpack and verify. Raises AppError (nothing unpacked is used) when a member's checksum,
    the signature or the format does not match."""
    paths: dict[str, Path] = {}
    digests: dict[str, str] = {}
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            for index, member in enumerate(tar):
                if not member.isfile():
                    raise _refuse("archive_bad_member", _(
                        "The archive holds something other than files; it was not made here."))
                name = member.name
                if name in paths:
                    raise _refuse("archive_duplicate", _("The archive holds a file twice."))
                # Unpacked under a number, never under the member's own name: a name
                # cannot reach outside the scratch folder.
                target = scratch / f"{index:08d}"
                sha = hashlib.sha256()
                source = tar.extractfile(member)
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        sha.update(chunk)
                        out.write(chunk)
                paths[name], digests[name] = target, sha.hexdigest()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _refuse("archive_unreadable", _(
            "The file is not a readable association archive (.tar.gz).")) from exc
    if MANIFEST not in paths or SIGNATURE not in paths:
        raise _refuse("archive_no_manifest", _("The archive has no manifest."))
    manifest_bytes = paths[MANIFEST].read_bytes()
    if not hmac.compare_digest(paths[SIGNATURE].read_bytes().strip(),
                               _signature(manifest_bytes).encode()):
        raise _refuse("archive_signature", _(
            "The archive's manifest has been changed, or it was made by a platform with "
            "another key. Nothing was restored."))
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise _refuse("archive_version", _("This archive's format version is not supported."))
    listed = manifest["sha256"]
    if set(listed) != set(paths) - {MANIFEST, SIGNATURE}:
        raise _refuse("archive_members", _(
            "The archive's files differ from those its manifest lists. Nothing was restored."))
    for name, expected in listed.items():
        if not hmac.compare_digest(digests[name], expected):
            raise _refuse("archive_checksum", _(
                "A file in the archive does not match its checksum (%(name)s). Nothing was "
                "restored.") % {"name": name})
    for entry in manifest["files"]:
        _safe_media_name(entry["name"])
    public = json.loads(paths["association.json"].read_bytes())
    return Archive(folder=scratch, manifest=manifest, public=public, paths=paths)


def _check_structure(archive: Archive, schema: str) -> list[Table]:
    """The archive must have been made at exactly the migration state of `schema` (the
    template for a new association, the association itself when restoring over it), and
    every table must have the same columns."""
    have = {tuple(m) for m in applied_migrations(schema)}
    made = {tuple(m) for m in archive.manifest["migrations"]}
    if have != made:
        missing, extra = sorted(have - made), sorted(made - have)
        detail = "; ".join(
            [*(gettext("%(migration)s (not in the archive)") % {"migration": f"{app}.{name}"}
               for app, name in missing[:3]),
             *(gettext("%(migration)s (not in this code)") % {"migration": f"{app}.{name}"}
               for app, name in extra[:3])])
        raise _refuse("archive_migrations", _(
            "The archive was made at another migration state (%(n)s migrations differ: "
            "%(detail)s). Restore it with the version of Huiji that made it, then migrate "
            "and export again.") % {"n": len(missing) + len(extra), "detail": detail})
    tables = schema_tables(schema)
    archived = {t["name"]: tuple(t["columns"]) for t in archive.manifest["tables"]}
    current = {t.name: t.columns for t in tables}
    if archived != current:
        differ = sorted(set(archived) ^ set(current)) or sorted(
            n for n in current if archived[n] != current[n])
        raise _refuse("archive_tables", _(
            "The archive's tables differ from this schema's (%(tables)s).")
            % {"tables": ", ".join(differ[:5])})
    return tables


# --- restore ------------------------------------------------------------------------------------

def _load_tables(archive: Archive, schema: str, tables: list[Table]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("TRUNCATE " + ", ".join(
            f"{quote(schema)}.{quote(t.name)}" for t in tables))
        for table in tables:
            with archive.table_path(table.name).open("rb") as data:
                cursor.copy_expert(
                    f"COPY {quote(schema)}.{quote(table.name)} ({_column_list(table)}) "
                    "FROM STDIN", data)
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND is_identity = 'YES'", [schema])
        for table, column in cursor.fetchall():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608
                f"COALESCE((SELECT max({quote(column)}) FROM {quote(schema)}.{quote(table)}), 0)"
                " + 1, false)", [f"{quote(schema)}.{quote(table)}", column])
        # Checked before commit: what was loaded is what the manifest counted.
        for entry in archive.manifest["tables"]:
            cursor.execute(f"SELECT count(*) FROM {quote(schema)}.{quote(entry['name'])}")  # noqa: S608
            if cursor.fetchone()[0] != entry["rows"]:
                raise _refuse("archive_rows", _("Table %(name)s did not load the rows its "
                                                "manifest counts.") % {"name": entry["name"]})


def _write_files(archive: Archive, schema: str, written: list[str]) -> None:
    """Put the archive's files under `schema`'s prefix, each under its exact name, adding each
    name to `written` as it is stored (so that a failure can take them away again)."""
    with schema_context(schema):
        for entry in archive.manifest["files"]:
            name = entry["name"]
            if default_storage.exists(name):
                default_storage.delete(name)
            with archive.media_path(name).open("rb") as data:
                saved = default_storage.save(name, File(data, name=PurePosixPath(name).name))
            if saved != name:
                raise AppError("restore_file_name", _(
                    "The storage renamed %(name)s; the restore was stopped.") % {"name": name})
            written.append(name)


@dataclass
class RestoreResult:
    association: Association
    tables: int
    rows: int
    files: int


def _reseal_for(schema: str, source_schema: str | None) -> None:
    """Sealed values (ID numbers, payment keys: huiji.sealed) carry the schema they were
    sealed in as associated data: under a new name they are opened as the source's and sealed
    again as this association's (the same data keys must be configured here)."""
    if not source_schema or source_schema == schema:
        return
    from huiji.sealed import reseal_schema

    with schema_context(schema):
        reseal_schema(from_schema=source_schema)


def association_restore_new(*, acting_user, path: Path | str, slug: str,
                            name: str | None = None, domains: tuple[str, ...] = ()
                            ) -> RestoreResult:
    """Restore an archive as a new association with its own slug, schema and domain (the
    source's custom domains are not taken over: give new ones in `domains`)."""
    from tenants.services import _validate_slug, template_ensure_current

    slug = (slug or "").strip().lower()
    _validate_slug(slug)
    domains = tuple(d.strip().lower() for d in domains if d.strip())
    if Domain.objects.filter(domain__in=domains).exists():
        raise AppError("domain_taken", _("One of these domains is already in use."),
                       field="domain", status=409)
    template_ensure_current()
    connection.set_schema_to_public()
    template = settings.TENANT_BASE_SCHEMA
    with tempfile.TemporaryDirectory(prefix="huiji-restore-") as scratch:
        archive = archive_open(path, Path(scratch))
        _check_structure(archive, template)
        source = archive.public["association"]
        written: list[str] = []
        try:
            with transaction.atomic():
                association = Association.objects.create(
                    schema_name=slug.replace("-", "_"), slug=slug,
                    name=(name or source["name"]).strip(), short_name=source["short_name"],
                    profile=source["profile"], status=source["status"])
                Domain.objects.create(domain=f"{slug}.{settings.BASE_DOMAIN}",
                                      tenant=association, is_primary=True)
                for extra in domains:
                    Domain.objects.create(domain=extra, tenant=association, is_primary=False)
                clone_schema(template, association.schema_name)
                tables = _check_structure(archive, association.schema_name)
                _load_tables(archive, association.schema_name, tables)
                _write_files(archive, association.schema_name, written)
                _reseal_for(association.schema_name, source.get("schema_name"))
                audit_record(actor=acting_user, action="association.restored",
                             target=association,
                             data={"from": archive.manifest["source"],
                                   "made": archive.manifest["created_at"], "as": "new"})
        except BaseException:
            _remove_files(slug.replace("-", "_"), written)
            connection.set_schema_to_public()
            raise
    connection.set_schema_to_public()
    return RestoreResult(association, len(tables),
                         sum(t["rows"] for t in archive.manifest["tables"]), len(written))


def association_restore_over(*, acting_user, path: Path | str, association: Association,
                             confirm: str) -> RestoreResult:
    """Replace `association`'s data and files with the archive's. `confirm` must repeat the
    association's slug: this discards everything it holds now. Its slug and domains stay."""
    if confirm != association.slug:
        raise AppError("confirm_required", _(
            "Restoring over an association replaces all its data: confirm with its short "
            "name (%(slug)s).") % {"slug": association.slug}, field="confirm")
    schema = association.schema_name
    if schema == "public" or not schema_exists(schema):
        raise AppError("no_schema", _("This association has no schema to restore into."))
    connection.set_schema_to_public()
    with tempfile.TemporaryDirectory(prefix="huiji-restore-") as scratch:
        archive = archive_open(path, Path(scratch))
        tables = _check_structure(archive, schema)
        with schema_context(schema):
            before = set(storage_files())
        with transaction.atomic():
            locked = Association.objects.select_for_update().get(pk=association.pk)
            source = archive.public["association"]
            locked.name, locked.short_name = source["name"], source["short_name"]
            locked.profile = source["profile"]
            locked.save(update_fields=["name", "short_name", "profile"])
            _load_tables(archive, schema, tables)
            written: list[str] = []
            _write_files(archive, schema, written)
            audit_record(actor=acting_user, action="association.restored", target=locked,
                         data={"from": archive.manifest["source"],
                               "made": archive.manifest["created_at"], "as": "over"})
            # Files the archive does not have go once the rows that named them are gone.
            stale = sorted(before - set(written))
            transaction.on_commit(lambda: _after_restore_over(schema, stale))
    connection.set_schema_to_public()
    return RestoreResult(locked, len(tables),
                         sum(t["rows"] for t in archive.manifest["tables"]), len(written))


def _remove_files(schema: str, names: list[str]) -> None:
    with schema_context(schema):
        for name in names:
            default_storage.delete(name)


def _after_restore_over(schema: str, stale: list[str]) -> None:
    # Nothing of an association's is cached across requests by what it holds: the feature
    # switches are read once per request (configuration/switches.py), other cached values
    # are keyed by what they cache (a revision, a token) or last seconds.
    _remove_files(schema, stale)
