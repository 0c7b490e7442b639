"""Personal data sealed inside JSON columns (docs/personal-data.md).

The answers of an application, a member record's values, a change request's changes, council
form answers and the audit's data are JSON documents keyed by the profile's field keys. The
keys whose fields are sensitive (every `cn_id` field, and any field the profile marks
`sensitive: true`, at any depth: a group's sub-fields too) are sealed on their way to the
database: the value (whatever its JSON shape) becomes

    {"$sealed": "hj1:<key id>:<nonce + ciphertext>", "$bi": "<blind index>"}

(`$bi` only for text values: the keyed hash exact lookups use). `SealedJSONField` does this
for every write through the ORM and opens it on every read, so code above the models reads
and compares plain values; SQL sees only envelopes. Field keys are codes (`[a-z][a-z0-9_]*`),
so a "$" key is never a field's.

Which keys are sensitive is read from the association's newest configuration revision and
cached (`sensitive_keys`); `revision_record` forgets the cache on every configuration change.
A value that does not open here (another association's, a key no longer configured) stays as
its envelope, logged, rather than failing the page or being lost on the next save.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction

from huiji import crypto
from huiji.configdoc import keyed_nodes

logger = logging.getLogger(__name__)

MARK = "$sealed"
INDEX = "$bi"
_CACHE_SECONDS = 600
# Every JSON column that holds answers or values keyed by field key: (table, column). The
# data migration and `manage.py personal_data_rekey` walk these.
SEALED_COLUMNS = (
    ("applications_application", "answers"),
    ("records_memberrecord", "values"),
    ("records_changerequest", "changes"),
    ("council_forms_councilformanswer", "answers"),
    ("audit_auditentry", "data"),
)


# --- which keys ---------------------------------------------------------------------------------

def keys_in_document(document: Any) -> frozenset[str]:
    """The field keys a configuration document makes sensitive: fields (anywhere in it: forms,
    groups' sub-fields, record layouts, council forms) of type cn_id or marked sensitive."""
    return frozenset(node["key"] for node in keyed_nodes(document)
                     if node.get("type") == "cn_id" or node.get("sensitive") is True)


def _cache_key(schema: str) -> str:
    return f"huiji:sensitive-keys:{schema}"


def sensitive_keys(schema: str | None = None) -> frozenset[str]:
    """The current association's sensitive field keys (none in the public schema)."""
    schema = schema or connection.schema_name
    if not schema or schema == "public":
        return frozenset()
    cached = cache.get(_cache_key(schema))
    if cached is not None:
        return frozenset(cached)
    keys = keys_in_document(_newest_document())
    cache.set(_cache_key(schema), sorted(keys), _CACHE_SECONDS)
    return keys


def _newest_document() -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('configuration_configurationrevision') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute("SELECT document::text FROM configuration_configurationrevision "
                       "ORDER BY number DESC LIMIT 1")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else {}


def forget_sensitive_keys(schema: str | None = None) -> None:
    """After a configuration change: at once, and again once it commits (a reader in between
    may have cached the keys of the revision before)."""
    key = _cache_key(schema or connection.schema_name)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# --- sealing and opening ------------------------------------------------------------------------

def is_envelope(node: Any) -> bool:
    return isinstance(node, dict) and isinstance(node.get(MARK), str)


def normalised(text: str) -> str:
    """What a blind index hashes: case and spaces do not make another value (an ID number's
    final x or X)."""
    return "".join(str(text).split()).upper()


def index_of(value: Any, *, schema: str | None = None) -> list[str]:
    """The blind indexes a lookup of `value` matches (under every configured key)."""
    return crypto.blind_indexes(normalised(value), schema=schema)


def seal_value(value: Any, *, schema: str | None = None) -> dict:
    if is_envelope(value):
        return value
    envelope = {MARK: crypto.seal(json.dumps(value, ensure_ascii=False), schema=schema)}
    if isinstance(value, str):
        envelope[INDEX] = crypto.blind_index(normalised(value), schema=schema)
    return envelope


def open_value(envelope: dict, *, schema: str | None = None) -> Any:
    try:
        return json.loads(crypto.unseal(envelope[MARK], schema=schema))
    except (crypto.SealError, ValueError) as exc:
        logger.error("a sealed value does not open in schema %s: %s",
                     schema or connection.schema_name, exc)
        return envelope


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def seal_json(data: Any, keys: frozenset[str] | None = None, *,
              schema: str | None = None) -> Any:
    """`data` with the value under every sensitive key sealed (a copy; `data` is not changed).
    `keys`: the sensitive keys (default: the current association's)."""
    if keys is None:
        keys = sensitive_keys(schema)
    if not keys or not isinstance(data, dict | list):
        return data

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if is_envelope(node):
                return node
            return {k: (seal_value(v, schema=schema) if k in keys and not _empty(v)
                        else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)


def open_json(data: Any, *, schema: str | None = None) -> Any:
    """`data` with every envelope opened (a copy where anything was sealed)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if is_envelope(node):
                return open_value(node, schema=schema)
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)


def needs_sealing(data: Any, keys: frozenset[str]) -> bool:
    """Whether `data` (as stored) holds a sensitive value in clear, or an envelope under a key
    other than the current one: what the re-keying rewrites."""
    current = crypto.current_key_id()

    def walk(node: Any, sensitive: bool) -> bool:
        if isinstance(node, dict):
            if is_envelope(node):
                return crypto.key_id_of(node[MARK]) != current
            if sensitive and not _empty(node):
                return True
            return any(walk(v, k in keys) for k, v in node.items())
        if isinstance(node, list):
            if sensitive and node:
                return True
            return any(walk(v, False) for v in node)
        return sensitive and not _empty(node)

    return walk(data, False)


class SealedJSONField(models.JSONField):
    """A JSONField whose sensitive keys are sealed in the database and open in Python."""

    def get_prep_value(self, value):
        return super().get_prep_value(seal_json(value))

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and MARK not in value:
            return super().from_db_value(value, expression, connection)
        return open_json(super().from_db_value(value, expression, connection))


# --- every row of a schema, re-sealed -------------------------------------------------------------

def reseal_column(table: str, column: str, *, keys: frozenset[str] | None = None,
                  from_schema: str | None = None, batch: int = 500,
                  progress=None) -> tuple[int, int]:
    """Seal what `table`.`column` holds in clear under a sensitive key and re-seal envelopes
    of older keys under the current one, in the current schema, a batch at a time (each
    committed on its own: an interrupted run is simply run again). `from_schema`: the schema
    the values were sealed for (a restore under another name). Returns (rows read, rows
    rewritten). Raw SQL: the data migration runs it with historical models."""
    if keys is None:
        keys = sensitive_keys()
    schema = connection.schema_name
    read = written = 0
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # table and column: names from SEALED_COLUMNS, never from a request
            cursor.execute(f'SELECT id, "{column}"::text FROM {table} WHERE id > %s '  # noqa: S608
                           f'ORDER BY id LIMIT %s FOR UPDATE', [last, batch])
            rows = cursor.fetchall()
            if not rows:
                break
            for pk, text in rows:
                last = pk
                read += 1
                if text is None:
                    continue
                data = json.loads(text)
                if not (from_schema or needs_sealing(data, keys)):
                    continue
                opened = open_json(data, schema=from_schema or schema)
                sealed = seal_json(opened, keys, schema=schema)
                if sealed == data:
                    continue
                cursor.execute(f'UPDATE {table} SET "{column}" = %s::jsonb WHERE id = %s',  # noqa: S608
                               [json.dumps(sealed, ensure_ascii=False), pk])
                written += 1
        if progress:
            progress(read, written)
    return read, written


def reseal_payment_secrets(*, from_schema: str | None = None) -> tuple[int, int]:
    """Payment accounts' secrets ({name: token}) re-sealed under the current key: legacy
    Fernet tokens and envelopes of older keys. Returns (accounts read, accounts rewritten)."""
    current = crypto.current_key_id()
    schema = connection.schema_name
    read = written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, secrets::text FROM configuration_paymentaccount "
                       "ORDER BY id FOR UPDATE")
        for pk, text in cursor.fetchall():
            read += 1
            secrets = json.loads(text or "{}")
            fresh = {name: (crypto.seal(crypto.unseal(token, schema=from_schema or schema))
                            if isinstance(token, str) and token and (
                                from_schema or crypto.key_id_of(token) != current)
                            else token)
                     for name, token in secrets.items()}
            if fresh != secrets:
                cursor.execute("UPDATE configuration_paymentaccount SET secrets = %s::jsonb "
                               "WHERE id = %s", [json.dumps(fresh), pk])
                written += 1
    return read, written


def reseal_schema(*, from_schema: str | None = None, progress=None) -> dict[str, tuple[int, int]]:
    """Every sealed column and the payment secrets of the current schema: {table: (read,
    rewritten)}."""
    keys = sensitive_keys()
    out = {}
    for table, column in SEALED_COLUMNS:
        out[table] = reseal_column(table, column, keys=keys, from_schema=from_schema,
                                   progress=progress)
    out["configuration_paymentaccount"] = reseal_payment_secrets(from_schema=from_schema)
    return out
