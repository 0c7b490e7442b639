"""What sealing personal data costs (huiji.sealed, docs/personal-data.md): a CMES senior
member's record (15 fields, one ID number) sealed on its way to the database, opened on its
way back (from the JSON text, as `SealedJSONField.from_db_value` gets it), and a record with
nothing sealed read through the same field; per record, in microseconds.

    .venv/bin/python bench/sealing.py [--records 20000]

CPU only, no database: the figures are what every save and every read of a record adds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "platform", ROOT):
    sys.path.insert(0, str(path))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huiji.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://bench@127.0.0.1:1/none")  # never connected

VALUES = {
    "name": "张三", "gender": "男", "birth_date": "1980-01-01", "mobile": "13912345678",
    "email": "zhangsan@example.test", "region": {"province": "110000", "city": "110100"},
    "id_type": "居民身份证", "id_number": "11010519491231002X", "political_status": "群众",
    "title": "高级工程师", "employer": "某某机械有限公司", "department": "技术部",
    "address": "北京市海淀区某某路1号", "postcode": "100000",
    "interest_branches": ["robot", "welding"],
}
KEYS = frozenset({"id_number"})


def _per_record(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20000)
    n = parser.parse_args().records
    import django

    django.setup()
    from huiji.sealed import SealedJSONField, seal_json

    field = SealedJSONField()
    sealed_text = json.dumps(seal_json(VALUES, KEYS, schema="cmes"), ensure_ascii=False)
    plain_text = json.dumps(VALUES, ensure_ascii=False)
    from django.db import connection

    connection.schema_name = "cmes"  # the AAD an open uses; no query is made
    runs = {
        "seal (save)": lambda: seal_json(VALUES, KEYS, schema="cmes"),
        "open (read, one ID number)": lambda: field.from_db_value(sealed_text, None, None),
        "read, nothing sealed": lambda: field.from_db_value(plain_text, None, None),
        "plain JSONField read (json.loads)": lambda: json.loads(plain_text),
    }
    print(f"{n:,} records of {len(VALUES)} fields, one ID number; microseconds per record "
          "(median of 5 runs)")
    for label, fn in runs.items():
        figures = [_per_record(fn, n) for _ in range(5)]
        print(f"  {label:36s} {statistics.median(figures):8.1f} µs")
    print(f"  stored size: {len(plain_text.encode())} bytes plain, "
          f"{len(sealed_text.encode())} bytes sealed")


if __name__ == "__main__":
    main()
