"""Importing existing members (导入会员, docs/imports.md): upload, map and check, then write in
batches as a background task; invitations to 首次登录.

Writes of members all go through `members_write` (new members in bulk, existing ones by the
duplicate policy), one batch per transaction: a batch that fails is rolled back whole and
reported, the others stand.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import uuid

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.imports import parsing
from tenant_apps.imports.models import (
    DuplicatePolicy,
    ImportedMember,
    ImportMapping,
    MemberImport,
)
from tenant_apps.imports.rows import Context, Prepared, context_for, prepare, resolve
from tenant_apps.imports.state import check_transition
from tenant_apps.imports.targets import auto_mapping, targets_of

logger = logging.getLogger(__name__)
MAX_ERRORS = 50_000
S = MemberImport.Status


def _may_import(actor) -> None:
    if not can(actor, "members.manage"):
        raise Forbidden(_("Only the association's administrators import members."))


def file_content(member_import: MemberImport) -> bytes:
    with member_import.file.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def import_upload(*, acting_user, uploaded, member_type) -> MemberImport:
    """Store an uploaded file for importing members of `member_type`, after reading it (a
    file that is no spreadsheet, empty or too large is refused, 400, nothing kept); its
    columns mapped by their labels (and by this type's mapping saved last time)."""
    from tenant_apps.applications.engine import type_document
    from tenant_apps.files.services import private_file_store
    from tenant_apps.records.services import _revision_document

    _may_import(acting_user)
    if uploaded is None:
        raise AppError("file_required", _("Choose a file to upload."), field="file")
    if uploaded.size > parsing.MAX_BYTES:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.")
                       % {"n": parsing.MAX_BYTES // (1024 * 1024)}, field="file")
    content = uploaded.read()
    uploaded.seek(0)
    headers, rows = parsing.table(uploaded.name or "", content)
    kind = parsing.kind_of(uploaded.name or "", content)
    try:
        type_doc = type_document(_revision_document(), member_type.code)
    except KeyError:
        raise AppError("unknown_type", _("Choose a member type."), field="member_type") \
            from None
    saved = ImportMapping.objects.filter(member_type=member_type).values_list(
        "columns", flat=True).first()
    stored = private_file_store(acting_user=acting_user, owner=acting_user, uploaded=uploaded,
                                content_type=parsing.XLSX_TYPE if kind == "xlsx"
                                else "text/csv")
    member_import = MemberImport.objects.create(
        member_type=member_type, file=stored, filename=stored.original_name[:255],
        headers=headers, total_rows=len(rows), created_by=acting_user,
        mapping=auto_mapping(headers, targets_of(type_doc), saved))
    audit_record(actor=acting_user, action="import.uploaded", target=member_import,
                 data={"file": member_import.filename, "rows": len(rows),
                       "member_type": member_type.code})
    return member_import


def _locked(member_import: MemberImport) -> MemberImport:
    return MemberImport.objects.select_for_update(of=("self",)).select_related(
        "member_type", "file", "checked_file", "created_by").get(pk=member_import.pk)


def checked_rows(member_import: MemberImport, *, mapping: dict | None = None,
                 content: bytes | None = None) -> tuple[Context, list[Prepared], list[dict]]:
    """Every row of the file checked: (context, rows to write with their existing members
    found, errors [{row, column, message}] in row order)."""
    if content is None:
        content = file_content(member_import)
    headers, rows = parsing.table(member_import.filename, content)
    ctx = context_for(member_import.member_type, headers,
                      member_import.mapping if mapping is None else mapping)
    prepared: list[Prepared] = []
    errors: list[dict] = []
    for number, cells in rows:
        row, problems = prepare(ctx, number, cells)
        if row is None:
            errors.extend({"row": number, "column": column, "message": str(message)}
                          for column, message in problems)
        else:
            prepared.append(row)
    kept = resolve(ctx, prepared, errors)
    errors.sort(key=lambda e: e["row"])
    return ctx, kept, errors


@transaction.atomic
def import_check(*, acting_user, member_import: MemberImport, mapping: dict,
                 policy: str) -> MemberImport:
    """Map the columns (`mapping`: {column index as text: target key}, saved for the next
    file of this type) and check every row before anything is written: the rows refused with
    their reasons, the rows that are existing members (handled by `policy`)."""
    _may_import(acting_user)
    member_import = _locked(member_import)
    check_transition(member_import.status, S.CHECKED)
    if policy not in DuplicatePolicy.values:
        raise AppError("bad_policy", _("Choose what to do with existing members."),
                       field="policy")
    mapping = {str(k): v for k, v in mapping.items() if v}
    _ctx, kept, errors = checked_rows(member_import, mapping=mapping)
    _keep_checked(acting_user, member_import, kept)
    member_import.mapping, member_import.policy = mapping, policy
    member_import.errors = errors[:MAX_ERRORS]
    member_import.invalid_rows = len({e["row"] for e in errors})
    member_import.existing_rows = sum(1 for p in kept if p.existing)
    member_import.status, member_import.checked_at = S.CHECKED, timezone.now()
    member_import.save()
    headers = member_import.headers
    ImportMapping.objects.update_or_create(
        member_type=member_import.member_type,
        defaults={"columns": {headers[int(i)]: key for i, key in mapping.items()
                              if headers[int(i)]}})
    audit_record(actor=acting_user, action="import.checked", target=member_import,
                 data={"rows": member_import.total_rows,
                       "invalid": member_import.invalid_rows,
                       "existing": member_import.existing_rows, "policy": policy})
    return member_import


def _revision_number() -> int | None:
    from tenant_apps.configuration.models import ConfigurationRevision

    return ConfigurationRevision.objects.values_list("number", flat=True).first()


def _keep_checked(acting_user, member_import: MemberImport, kept: list[Prepared]) -> None:
    """Store the checked rows beside the upload (replacing an earlier check's)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tenant_apps.files.services import private_file_store
    from tenant_apps.imports.rows import dump_rows

    old = member_import.checked_file
    member_import.checked_file = private_file_store(
        acting_user=acting_user, owner=member_import.created_by,
        uploaded=SimpleUploadedFile("checked-rows.json.gz", dump_rows(kept)),
        content_type="application/octet-stream")
    member_import.revision = _revision_number()
    if old is not None:
        member_import.save(update_fields=["checked_file", "revision"])
        old.file.delete(save=False)
        old.delete()


def rows_to_write(member_import: MemberImport) -> tuple[Context, list[Prepared], list[dict]]:
    """The rows the writing takes: those the check kept, read back, when the configuration
    is the one they were checked under (else every row is checked again); either way matched
    again against the members as they are now (resolve), so a member created since the
    check is not created twice."""
    from tenant_apps.imports.rows import load_rows

    if member_import.checked_file is None or member_import.revision != _revision_number():
        return checked_rows(member_import)
    with member_import.checked_file.file.open("rb") as handle:
        rows = load_rows(handle.read())
    ctx = context_for(member_import.member_type, member_import.headers, member_import.mapping)
    errors = list(member_import.errors)   # the rows kept are those the check did not refuse
    kept = resolve(ctx, rows, errors)
    errors.sort(key=lambda e: e["row"])
    return ctx, kept, errors


@transaction.atomic
def import_start(*, acting_user, member_import: MemberImport) -> MemberImport:
    """Queue the writing of a checked import (the task: imports.tasks.import_run_task)."""
    _may_import(acting_user)
    member_import = _locked(member_import)
    check_transition(member_import.status, S.QUEUED)
    member_import.status = S.QUEUED
    member_import.done_rows = 0
    member_import.save(update_fields=["status", "done_rows"])
    audit_record(actor=acting_user, action="import.started", target=member_import)
    return member_import


def import_run(member_import_id: int) -> MemberImport:
    """Write a queued import: every row checked again (the members may have changed since),
    then written in batches (_batches_written), each in its own transaction, the progress saved
    after each. A batch that fails is rolled back and reported (`failures`); the import ends
    `failed` then, `done` otherwise, with one audit row."""
    with transaction.atomic():
        member_import = MemberImport.objects.select_for_update(of=("self",)).select_related(
            "member_type", "file", "checked_file", "created_by").get(pk=member_import_id)
        if member_import.status != S.QUEUED:
            return member_import  # already run (a task delivered twice)
        check_transition(member_import.status, S.RUNNING)
        member_import.status = S.RUNNING
        member_import.save(update_fields=["status"])
    actor = member_import.created_by
    counts = {"created": 0, "updated": 0, "skipped": 0}
    failures: list[dict] = []
    try:
        ctx, kept, errors = rows_to_write(member_import)
        # The rows live until the end; Python's collector need not walk them again at every
        # collection the batches' many small objects set off (seconds at 100,000 rows).
        gc.freeze()
        _move_sequences([p.number for p in kept if p.number])
    except Exception as exc:  # the file or the configuration went wrong since the check
        logger.exception("import %s could not be read", member_import.pk)
        failures.append({"rows": "", "message": str(getattr(exc, "message", exc))})
        kept, errors = [], []
    done = member_import.total_rows - len(kept)
    MemberImport.objects.filter(pk=member_import.pk).update(done_rows=done)
    try:
        for batch, result, error in _batches_written(actor, ctx, member_import, kept):
            if error is not None:
                logger.error("import %s: batch from row %s failed", member_import.pk,
                             batch[0].row, exc_info=error)
                failures.append({"rows": f"{batch[0].row}-{batch[-1].row}",
                                 "message": str(getattr(error, "message", error))[:500]})
            else:
                for key in counts:
                    counts[key] += result[key]
            done += len(batch)
            MemberImport.objects.filter(pk=member_import.pk).update(
                done_rows=done, created_count=counts["created"],
                updated_count=counts["updated"], skipped_count=counts["skipped"])
    finally:
        gc.unfreeze()
    failures.sort(key=lambda f: int(f["rows"].split("-")[0] or 0))   # batches end in any order
    with transaction.atomic():
        member_import = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        final = S.FAILED if failures else S.DONE
        check_transition(member_import.status, final)
        member_import.status, member_import.failures = final, failures
        member_import.errors = errors[:MAX_ERRORS]
        member_import.invalid_rows = len({e["row"] for e in errors})
        member_import.finished_at = timezone.now()
        member_import.save()
        audit_record(actor=actor, action="members.imported", target=member_import,
                     data={"file": member_import.filename, **counts,
                           "invalid": member_import.invalid_rows,
                           "failed_batches": failures, "policy": member_import.policy})
    return member_import


def _batches_written(actor, ctx: Context, member_import: MemberImport,
                     kept: list[Prepared]):
    """Write the rows in batches (settings.IMPORT_BATCH_ROWS), each in its own transaction;
    yield (batch, result, None) or (batch, None, the exception) as each ends (a failed batch
    is rolled back whole).

    settings.IMPORT_WRITERS batches at once, on connections of their own, where the caller holds no
    transaction (the task): while PostgreSQL writes one batch Python prepares the next, and
    both cores work (100,000 rows: about a third faster). Inside a transaction (a test, a
    caller's atomic block) one after the other on the caller's connection, the only one that
    sees what the caller wrote. Batches never share a member (the check refuses duplicates
    within a file); they take the number sequence, then their own rows, then the directory's
    counts, in that order, so two never wait for each other in a circle."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from django.conf import settings
    from django.db import connection
    from django.utils import translation

    size, writers = max(settings.IMPORT_BATCH_ROWS, 1), settings.IMPORT_WRITERS
    batches = [kept[start:start + size] for start in range(0, len(kept), size)]

    def write(batch):
        with transaction.atomic():
            return members_write(acting_user=actor, ctx=ctx, member_import=member_import,
                                 rows=batch, policy=member_import.policy)

    if connection.in_atomic_block or writers < 2 or len(batches) < 2:
        for batch in batches:
            try:
                yield batch, write(batch), None
            except Exception as exc:  # reported with its rows; the next batch goes on
                yield batch, None, exc
        return
    tenant, language = connection.tenant, translation.get_language()

    def write_elsewhere(batch):
        connection.set_tenant(tenant)
        try:
            with translation.override(language):
                return write(batch)
        finally:
            connection.close()

    logger.info("import %s: %d batches, %d at once", member_import.pk, len(batches), writers)
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="import") as pool:
        futures = {pool.submit(write_elsewhere, batch): batch for batch in batches}
        for future in as_completed(futures):
            error = future.exception()
            yield futures[future], None if error else future.result(), error


def import_fail_to_start(member_import: MemberImport, message: str) -> None:
    """The task could not be queued (no broker): the import is failed, with the reason."""
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update().get(pk=member_import.pk)
        if locked.status != S.QUEUED:
            return
        locked.status, locked.failures = S.FAILED, [{"rows": "", "message": message}]
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "failures", "finished_at"])


def _move_sequences(numbers: list[str]) -> None:
    """Every member type's number sequence moves past the imported numbers its format could
    have given, so no new member is ever given one of them."""
    from tenant_apps.configuration.models import MemberType
    from tenant_apps.memberships.services import member_number_sequence_move_past

    if not numbers:
        return
    with transaction.atomic():
        for member_type in MemberType.objects.order_by("pk"):
            member_number_sequence_move_past(member_type, numbers)


# --- writing members ---------------------------------------------------------------------

def members_write(*, acting_user, ctx: Context, member_import: MemberImport | None,
                  rows: list[Prepared], policy: str) -> dict:
    """THE writer of imported members, inside the caller's (batch) transaction: rows without
    an existing member become new accounts (no usable password), memberships (their own
    numbers kept, or the next of the sequence), records and contacts (in bulk), and their
    paid years fee records (MembershipPeriod, kind imported); rows of existing members are
    skipped, updated or have their blanks filled as `policy` says. Returns the counts and
    the ids of the memberships written (`membership_ids`), for whatever is kept beside the
    members (a search table)."""
    new = [p for p in rows if p.existing is None]
    old = [p for p in rows if p.existing is not None]
    written: list[tuple[int, int, str]] = []   # (membership id, row, action)
    if new:
        written += [(m, row, ImportedMember.Action.CREATED)
                    for m, row in _create(acting_user, ctx, new)]
    updated = skipped = 0
    for p in old:
        if policy == DuplicatePolicy.SKIP:
            skipped += 1
            continue
        if _update(acting_user, ctx, p, fill_only=policy == DuplicatePolicy.FILL,
                   member_import=member_import):
            updated += 1
            written.append((p.existing, p.row, ImportedMember.Action.UPDATED))
        else:
            skipped += 1
    if member_import is not None and written:
        from huiji.bulk import copy_rows

        copy_rows(ImportedMember, ["member_import_id", "membership_id", "row", "action"],
                  ((member_import.pk, m, row, action) for m, row, action in written))
    ids = [m for m, _row, _action in written]
    # The member list (tenant_apps/directory) shows them at once, counts included.
    from tenant_apps.directory.services import refresh_entries

    refresh_entries(ids)
    return {"created": len(new), "updated": updated, "skipped": skipped,
            "membership_ids": ids}


def _create(acting_user, ctx: Context, rows: list[Prepared]) -> list[tuple[int, int]]:
    from tenant_apps.accounts.models import Role, User
    from tenant_apps.memberships.models import MemberNumberSequence, Membership
    from tenant_apps.records.services import records_create_bulk

    member_type = ctx.member_type
    missing = [p for p in rows if not p.number]
    if missing:
        sequence, _created = MemberNumberSequence.objects.get_or_create(
            member_type=member_type)
        sequence = MemberNumberSequence.objects.select_for_update().get(pk=sequence.pk)
        taken = set(Membership.objects.filter(number__in=[
            member_type.format_number(sequence.next_value + i)
            for i in range(len(missing) * 2)]).values_list("number", flat=True))
        value = sequence.next_value
        for p in missing:
            while member_type.format_number(value) in taken:
                value += 1
            p.number = member_type.format_number(value)
            value += 1
        sequence.next_value = value
        sequence.save(update_fields=["next_value"])
    # COPY, with the keys taken first: account -> membership -> record point at each other
    from huiji.bulk import copy_rows, next_ids

    unusable = make_password(None)  # "!" and random text: no password logs in
    now = timezone.now().isoformat()   # written as text: one conversion for every row
    user_ids = next_ids(User, len(rows))
    copy_rows(User, ["id", "password", "is_superuser", "public_id", "username", "email",
                     "phone", "name", "roles", "is_active", "is_staff", "date_joined",
                     "session_epoch"],
              ((pk, unusable, False, uuid.uuid4(), p.username or f"imp-{p.number}"[:150],
                p.email, p.phone, p.name, [Role.MEMBER], True, False, now, 0)
               for pk, p in zip(user_ids, rows, strict=True)))
    membership_ids = next_ids(Membership, len(rows))
    copy_rows(Membership, ["id", "user_id", "member_type_id", "rank_id", "number", "status",
                           "activated_at", "valid_from", "valid_until"],
              ((pk, user, member_type.pk, p.rank_id, p.number, p.status,
                f"{p.valid_from.isoformat()} 09:00:00+08",
                p.valid_from, p.valid_until)
               for pk, user, p in zip(membership_ids, user_ids, rows, strict=True)))
    records_create_bulk(acting_user=acting_user, items=[
        (m, p.branch_id, p.values, p.contacts)
        for m, p in zip(membership_ids, rows, strict=True)])
    _periods(list(zip(membership_ids, rows, strict=True)), ctx)
    return [(m, p.row) for m, p in zip(membership_ids, rows, strict=True)]


def _periods(items: list[tuple[int, Prepared]], ctx: Context,
             already: dict[int, set[int]] | None = None) -> None:
    """The paid years as fee records (MembershipPeriod, kind imported): each run of
    consecutive years one period, its dates by the type's validity rule."""
    from tenant_apps.memberships.dates import year_runs
    from tenant_apps.memberships.models import MembershipPeriod
    from tenant_apps.memberships.validity import validity_end

    periods = []
    calendar = ctx.member_type.validity_rule == "calendar_year"
    for membership_id, p in items:
        if not p.paid_years and not (already or {}).get(membership_id) and p.valid_until:
            # No paid years given: the time from joining to the end of validity was paid (as
            # the file's 有效期至 says), one record of it, so the fee record and the member
            # centre agree instead of showing every year since joining unpaid.
            span = p.valid_until.year - p.valid_from.year + (1 if calendar else 0)
            periods.append((membership_id, MembershipPeriod.Kind.IMPORTED.value, p.valid_from,
                            p.valid_until, max(span, 1)))
            continue
        years = [y for y in p.paid_years if y not in (already or {}).get(membership_id, set())]
        for run in year_runs(years):
            start = dt.date(run[0], 1, 1) if calendar else _same_day(p.valid_from, run[0])
            end = validity_end(ctx.member_type, start=start, years=len(run), answers=p.values)
            periods.append((membership_id, MembershipPeriod.Kind.IMPORTED.value, start, end,
                            len(run)))
    from huiji.bulk import copy_rows

    now = timezone.now().isoformat()
    copy_rows(MembershipPeriod, ["membership_id", "kind", "starts_on", "ends_on", "years",
                                 "amount_fen", "created_at"],
              ((*period, 0, now) for period in periods))


def _same_day(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _update(acting_user, ctx: Context, p: Prepared, *, fill_only: bool,
            member_import: MemberImport | None) -> bool:
    """An existing member by the file: its record's fields through records.services.
    record_write (one audit row with old and new values, the reason naming the import),
    its membership's facts the file gives, its contacts where the file gives some (fill:
    only where it has none), its paid years added. Whether anything changed."""
    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.models import Contact, MemberRecord
    from tenant_apps.records.services import record_locked, record_write

    membership = Membership.objects.select_for_update().get(pk=p.existing)
    changed = False
    record = MemberRecord.objects.filter(membership=membership).first()
    if record is None:
        from tenant_apps.records.services import records_create_bulk

        records_create_bulk(acting_user=acting_user,
                            items=[(membership.pk, p.branch_id, p.values, p.contacts)])
        changed = True
    else:
        record = record_locked(record)
        current = record.values or {}
        cleaned = {k: v for k, v in p.values.items()
                   if not fill_only or current.get(k) in (None, "", [], {})}
        reason = _("Imported from %(file)s") % {
            "file": member_import.filename if member_import else "file"}
        if record_write(acting_user=acting_user, record=record, cleaned=cleaned,
                        reason=reason, layout=ctx.layout):
            changed = True
        if "branch" in p.given and (not fill_only or record.branch_id is None) \
                and record.branch_id != p.branch_id:
            record.branch_id = p.branch_id
            record.save(update_fields=["branch", "updated_at"])
            changed = True
        has_contacts = record.contacts.exists()
        if p.contacts and (not fill_only or not has_contacts):
            before = list(record.contacts.values("role", "name", "mobile"))
            after = [{k: c.get(k, "") for k in ("role", "name", "mobile")} for c in p.contacts]
            if before != after or not fill_only:
                record.contacts.all().delete()
                Contact.objects.bulk_create([Contact(record=record, ordering=n, **c)
                                             for n, c in enumerate(p.contacts)])
                audit_record(actor=acting_user, action="contacts.imported", target=record,
                             data={"before": before, "after": after})
                changed = changed or before != after
    facts = {"rank": ("rank_id", p.rank_id), "valid_from": ("valid_from", p.valid_from),
             "valid_until": ("valid_until", p.valid_until), "status": ("status", p.status)}
    before = {}
    for key, (attr, value) in facts.items():
        if key not in p.given:
            continue
        current = getattr(membership, attr)
        if current == value or (fill_only and current not in (None, "")):
            continue
        before[attr] = str(current) if current is not None else None
        setattr(membership, attr, value)
    if before:
        membership.save(update_fields=list(before))
        audit_record(actor=acting_user, action="membership.imported", target=membership,
                     data={"before": before})
        changed = True
    if p.paid_years:
        from tenant_apps.memberships.models import MembershipPeriod

        covered: set[int] = set()
        for period in MembershipPeriod.objects.filter(membership=membership):
            covered.update(range(period.starts_on.year, period.starts_on.year + period.years))
        if set(p.paid_years) - covered:
            _periods([(membership.pk, p)], ctx, already={membership.pk: covered})
            changed = True
    return changed


# --- invitations to 首次登录 ---------------------------------------------------------------

def _invitation_people(memberships) -> list[dict]:
    """Who is invited for each membership: its first contact on file (a unit's first
    liaison), else the account; what to give on the first-login page; two queries."""
    from django.urls import reverse

    from huiji.tenancy.current import current_association
    from tenant_apps.imports.first_login import ways
    from tenant_apps.records.models import Contact
    from tenants.services import association_url

    association = current_association()
    link = association_url(association, reverse("first-login")) if association else \
        reverse("first-login")
    accepted = ways()
    firsts: dict[int, Contact] = {}
    for contact in Contact.objects.filter(
            record__membership__in=[m.pk for m in memberships]).select_related(
            "record").order_by("record_id", "ordering", "id"):
        firsts.setdefault(contact.record.membership_id, contact)
    people = []
    for m in memberships:
        contact = firsts.get(m.pk)
        phone = (contact.mobile if contact else "") or m.user.phone or ""
        email = (contact.email if contact else "") or m.user.email or ""
        if "number" in accepted:
            login = m.number
        elif "phone" in accepted and phone:
            # (the e-mail says it too: "本手机号" meant nothing there)
            login = _("the mobile number on file")
        else:
            login = m.user.name
        people.append({"user_id": m.user_id, "name": contact.name if contact else str(m.user),
                       "phone": phone or None, "email": email or None,
                       "params": {"member_type": m.member_type.name,
                                  "member_number": m.number, "login": login,
                                  "first_login_link": link}})
    return people


@transaction.atomic
def invitations_send(*, acting_user, memberships, member_import: MemberImport | None = None
                     ) -> int:
    """Invite members to 首次登录 (event member_invited, SMS and e-mail through the outbox, to
    the first contact on file): one member from its page, or every member an import wrote.
    Staff send again as often as they like; the page's own limits hold the codes. Returns
    the number of messages written."""
    from tenant_apps.notifications.services import notify_bulk

    _may_import(acting_user)
    from tenant_apps.imports.first_login import ways

    if not ways():
        raise AppError("first_login_off", _("This association does not offer a first login: "
                                            "set accounts.first_login in its profile."),
                       status=409)
    from tenant_apps.imports.first_login import needs_first_login

    asked = list(memberships)
    memberships = [m for m in asked if needs_first_login(m.user)]
    if len(asked) == 1 and not memberships:
        raise AppError("has_password", _("This member has already chosen a password: send a "
                                         "login reset instead."), status=409)
    written = notify_bulk(event="member_invited", people=_invitation_people(memberships))
    audit_record(actor=acting_user, action="members.invited",
                 target=member_import or (memberships[0] if len(memberships) == 1 else None),
                 data={"members": len(memberships), "messages": written,
                       "numbers": [m.number for m in memberships[:20]]})
    return written


def import_members(member_import: MemberImport):
    from tenant_apps.memberships.models import Membership

    return Membership.objects.filter(pk__in=ImportedMember.objects.filter(
        member_import=member_import).values("membership_id")).select_related(
        "user", "member_type")
