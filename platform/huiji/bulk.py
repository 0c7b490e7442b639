"""Writing many rows at once with PostgreSQL's COPY (the import of existing members: 100,000
rows in under a minute). `next_ids` reserves primary keys from the table's own sequence, so
rows that point at each other (an account, its membership, its record) are written by COPY
in order without reading anything back. In the caller's transaction and schema."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterable

from django.db import connection


def next_ids(model, count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, taken from its sequence."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


def _escaped(text: str) -> str:
    # most values have nothing to escape: four scans beat str.translate's per-character work
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") \
            .replace("\r", "\\r")
    return text


def _text(value) -> str:
    """One value in COPY's text format."""
    if type(value) is str:
        return _escaped(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | int):
        return str(value)
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list | tuple):   # a text[] column
        value = "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
                               for v in value) + "}"
    return _escaped(str(value))


def copy_rows(model, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY `rows` (tuples in the order of `columns`, database column names) into `model`'s
    table; dicts are written as JSON, lists as text arrays. Returns the number of rows.
    A sealed JSON column (huiji.sealed) is sealed here as the ORM would seal it."""
    from huiji.sealed import SealedJSONField, seal_json, sensitive_keys

    by_column = {f.column: f for f in model._meta.concrete_fields}
    sealed = [i for i, c in enumerate(columns) if isinstance(by_column.get(c), SealedJSONField)]
    keys = sensitive_keys() if sealed else frozenset()
    if sealed and keys:
        rows = (tuple(seal_json(v, keys) if i in sealed else v for i, v in enumerate(row))
                for row in rows)
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_text(v) for v in row))
        buffer.write("\n")
        count += 1
    if not count:
        return 0
    buffer.seek(0)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
    return count
