"""Reads of imports: the staff's list, one import (HQ administrators only), the mapping page's
columns and preview, the progress bar's figures."""

from __future__ import annotations

import uuid

from tenant_apps.accounts.capabilities import can
from tenant_apps.imports import parsing
from tenant_apps.imports.models import MemberImport
from tenant_apps.imports.targets import targets_of


def member_types():
    from tenant_apps.configuration.models import MemberType

    return list(MemberType.objects.filter(active=True).order_by("pk"))


def recent_imports(limit: int = 30) -> list[MemberImport]:
    return list(MemberImport.objects.select_related("member_type", "created_by")[:limit])


def import_for_staff(*, viewer, public_id) -> MemberImport | None:
    """One import, for staff who import members (members.manage); None (404) otherwise, and
    for anything of another association."""
    if not can(viewer, "members.manage"):
        return None
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return MemberImport.objects.select_related("member_type", "file", "created_by").filter(
        public_id=key).first()


def _type_doc(member_import: MemberImport) -> dict:
    from tenant_apps.applications.engine import type_document
    from tenant_apps.records.services import _revision_document

    try:
        return type_document(_revision_document(), member_import.member_type.code)
    except KeyError:
        return {"code": member_import.member_type.code}


def mapping_page(member_import: MemberImport, *, mapping: dict | None,
                 preview_rows: int) -> dict:
    """The columns (header, a few values, the field chosen), the fields to choose from, the
    required fields no column fills, and the first rows as the chosen mapping reads them."""
    from tenant_apps.imports.services import file_content

    targets = targets_of(_type_doc(member_import))
    by_key = {t.key: t for t in targets}
    chosen = member_import.mapping if mapping is None else mapping
    first = parsing.head(member_import.filename, file_content(member_import), preview_rows)
    columns = []
    for index, header in enumerate(member_import.headers):
        samples = [row[index] for row in first[:3] if index < len(row) and row[index]]
        columns.append({"index": index, "header": header or f"#{index + 1}",
                        "samples": samples, "chosen": chosen.get(str(index), "")})
    mapped = [c for c in columns if c["chosen"] in by_key]
    preview = {"labels": [by_key[c["chosen"]].label for c in mapped],
               "rows": [[row[c["index"]] if c["index"] < len(row) else "" for c in mapped]
                        for row in first]}
    return {"columns": columns, "targets": targets, "preview": preview,
            "required_missing": [t.label for t in targets if t.required
                                 and t.key not in chosen.values()],
            # without them every year since joining shows as owed (缴费记录, 欠费)
            "paid_years_missing": "paid_years" in by_key
            and "paid_years" not in chosen.values()}


def progress_of(member_import: MemberImport) -> dict:
    total = member_import.total_rows or 1
    return {"status": member_import.status, "label": member_import.get_status_display(),
            "done": member_import.done_rows, "total": member_import.total_rows,
            "percent": min(100, round(100 * member_import.done_rows / total)),
            "created": member_import.created_count, "updated": member_import.updated_count,
            "skipped": member_import.skipped_count, "invalid": member_import.invalid_rows,
            "failures": member_import.failures,
            "finished": member_import.status in (MemberImport.Status.DONE,
                                                 MemberImport.Status.FAILED)}
