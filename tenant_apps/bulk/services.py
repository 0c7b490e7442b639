"""Bulk actions (docs/bulk.md): each starts a `BulkJob` in the request, with an audit row,
and a Celery task runs it (eagerly in the demo and tests): the members are resolved there,
from the filters or selection the job keeps, in the scope of the staff member who asked.

- `export_start`: an Excel file of the chosen columns, written streamed (`bulk.xlsx`, row by
  row into the zip; the database read by a server-side cursor in chunks), private to the
  person who asked, deleted after `EXPORT_KEEP_HOURS`.
- `send_staff_message`: a message written by staff, by SMS, e-mail and/or inbox, through the
  outbox, its placeholders ({name}...) filled per member; for many members from the list, or
  for one from the member page (`/manage/members/message/?number=<number>`).
- `branch_assign`: add members to a branch (their record's branch), one audit row each,
  through `records.services.record_set_branch`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.accounts.models import User
from tenant_apps.bulk import columns as catalogue
from tenant_apps.bulk.models import BulkJob
from tenant_apps.bulk.selectors import bulk_members
from tenant_apps.bulk.xlsx import SheetWriter

logger = logging.getLogger(__name__)
EXPORT_KEEP_HOURS = 24
CHUNK = 2000
STAFF_MESSAGE_EVENT = "staff_message"  # the outbox's event of a message staff wrote
CHANNELS = ("sms", "email", "inbox")
# What a staff message may say about each member; anything else in braces is refused.
PLACEHOLDERS = ("name", "member_number", "member_type", "valid_until", "association")
# What each placeholder becomes, told beside it on the message page (the codes alone mean
# nothing to a person who does not read English).
PLACEHOLDER_LABELS = {
    "name": gettext_lazy("name of the person or unit"),
    "member_number": gettext_lazy("member number"),
    "member_type": gettext_lazy("member type"),
    "valid_until": gettext_lazy("valid until"),
    "association": gettext_lazy("the association's name"),
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _start(*, acting_user, kind: str, params: dict, options: dict) -> BulkJob:
    members = bulk_members(acting_user, params)
    if members is None:
        raise Forbidden()
    if not params:
        params = {}
    job = BulkJob.objects.create(kind=kind, requested_by=acting_user, params=params,
                                 options=options)
    audit_record(actor=acting_user, action=f"bulk.{kind}", target=job,
                 data={"params": params, "options": options})
    from tenant_apps.bulk.tasks import bulk_run_task

    transaction.on_commit(lambda: bulk_run_task.delay(job.pk))
    return job


# --- export ------------------------------------------------------------------------------------

@transaction.atomic
def export_start(*, acting_user, params: dict, columns: list[str],
                 full_personal_data: bool = False) -> BulkJob:
    """An export of the chosen columns. `full_personal_data`: ID numbers and phones as
    stored, not masked (a file to import back, or to hand to the association's own
    systems): only for those who manage members, and the audit row of the export says so."""
    from tenant_apps.records.services import _revision_document

    keys = [c.key for c in catalogue.chosen(_revision_document(), columns)]
    if not keys:
        raise AppError("invalid_input", _("Choose at least one column."), field="columns")
    if full_personal_data and not can(acting_user, "members.manage"):
        raise AppError("invalid_input", _("Only those who manage members may export full ID "
                                          "numbers and phones."), field="full_personal_data")
    options = {"columns": keys}
    if full_personal_data:
        options["full_personal_data"] = True
    return _start(acting_user=acting_user, kind=BulkJob.Kind.EXPORT, params=params,
                  options=options)


_ROW = {"number": "membership__number", "type_code": "membership__member_type__code",
        "type": "membership__member_type__name", "rank": "membership__rank__name",
        "status": "membership__status", "branch": "branch__name",
        "joined": "membership__valid_from", "valid_until": "membership__valid_until",
        "phone": "membership__user__phone", "email": "membership__user__email",
        "account_name": "membership__user__name", "username": "membership__user__username",
        "values": "values", "id": "pk", "membership_id": "membership_id"}


class _Account:
    """What member_name reads of an account (its name, else its login name), from a row."""

    __str__ = User.__str__

    def __init__(self, name: str, username: str):
        self.name, self.username = name, username


def _export(job: BulkJob, records) -> None:
    """Write the export: rows read as plain values by a server-side cursor (no model per
    row), formatted as the member page shows them, streamed into the file."""
    from types import SimpleNamespace

    from tenant_apps.applications.forms import _display, choices_of
    from tenant_apps.memberships.models import Membership
    from tenant_apps.records.layout import layout_of
    from tenant_apps.records.models import Contact
    from tenant_apps.records.selectors import masked_display, member_name
    from tenant_apps.records.services import _revision_document

    viewer = job.requested_by
    document = _revision_document()
    chosen = catalogue.chosen(document, job.options.get("columns") or [])
    docs, specs, choices = {}, {}, {}
    for mtype in document.get("member_types", []):
        docs[mtype["code"]] = mtype
        specs[mtype["code"]] = {f["key"]: f for s in layout_of(mtype)["sections"]
                                for f in s["fields"]}
    statuses = {k: str(v) for k, v in Membership.Status.choices}
    phone_spec = {"type": "phone"}

    full = bool(job.options.get("full_personal_data"))

    def phone(value):
        return masked_display(phone_spec, value, value, viewer=viewer, own=full) \
            if value else ""

    def field_value(column, row):
        spec = specs.get(row["type_code"], {}).get(column.key[6:]) or column.spec
        if spec["type"] in catalogue.SKIPPED_TYPES:
            return ""
        value = (row["values"] or {}).get(spec["key"])
        if value in (None, "", [], {}):
            return ""
        cache_key = (row["type_code"], spec["key"])
        if cache_key not in choices:
            choices[cache_key] = choices_of(spec, document) \
                if spec["type"] in ("choice", "multichoice") else []
        return masked_display(spec, value, _display(spec, value, choices[cache_key]),
                              viewer=viewer, own=full)

    def name(row):
        holder = SimpleNamespace(user=_Account(row["account_name"], row["username"]))
        return member_name(holder, values=row["values"] or {},
                           doc=docs.get(row["type_code"], {}))

    simple = {"number", "type", "rank", "branch", "joined", "valid_until", "email"}

    def getter(column):
        """One function per chosen column, picked once (not per cell)."""
        key = column.key
        if key.startswith("field:"):
            return lambda row, contacts: field_value(column, row)
        if key in simple:
            return lambda row, contacts: row[key] or ""
        if key == "name":
            return lambda row, contacts: name(row)
        if key == "status":
            return lambda row, contacts: statuses.get(row["status"], row["status"])
        if key == "phone":
            return lambda row, contacts: phone(row["phone"])
        if key == "contacts":
            return lambda row, contacts: "；".join(
                " ".join(p for p in (c.role, c.name, phone(c.mobile), c.email) if p)
                for c in contacts.get(row["id"], ()))
        if key.startswith("contact:"):
            _c, n, part = key.split(":", 2)
            n = int(n)

            def contact_detail(row, contacts):
                mine = contacts.get(row["id"], ())
                value = getattr(mine[n], part, "") if n < len(mine) else ""
                return phone(value) if part == "mobile" else (value or "")
            return contact_detail
        if key == "paid_years":
            return lambda row, contacts: years_text(paid.get(row["membership_id"], ()))
        return lambda row, contacts: ""

    paid: dict[int, set[int]] = {}  # the batch's fee years per membership (已缴费年度)
    getters = [getter(c) for c in chosen]

    with_contacts = any(c.key == "contacts" or c.key.startswith("contact:") for c in chosen)
    with_years = any(c.key == "paid_years" for c in chosen)
    names = list(_ROW)
    rows = records.order_by("membership__number").values_list(*[_ROW[n] for n in names])
    done = 0

    def write(batch, sheet):
        contacts: dict = {}
        if with_contacts:
            for c in Contact.objects.filter(record_id__in=[r["id"] for r in batch]) \
                    .order_by("ordering", "id"):
                contacts.setdefault(c.record_id, []).append(c)
        if with_years:
            from tenant_apps.memberships.models import MembershipPeriod

            paid.clear()
            for m, start, years in MembershipPeriod.objects.filter(
                    membership_id__in=[r["membership_id"] for r in batch]).values_list(
                    "membership_id", "starts_on", "years"):
                paid.setdefault(m, set()).update(range(start.year, start.year + max(years, 1)))
        for row in batch:
            sheet.row([get(row, contacts) for get in getters])

    with tempfile.TemporaryFile(suffix=".xlsx") as fh:
        with SheetWriter(fh, _("Members")) as sheet:
            sheet.header([c.label for c in chosen])
            batch = []
            for values in rows.iterator(chunk_size=CHUNK):
                batch.append(dict(zip(names, values, strict=True)))
                if len(batch) == CHUNK:
                    write(batch, sheet)
                    done += len(batch)
                    batch = []
                    BulkJob.objects.filter(pk=job.pk).update(done=done)
            write(batch, sheet)
            done += len(batch)
        fh.seek(0)
        job.file.save(f"{job.public_id.hex}.xlsx", File(fh), save=False)
    job.done = done
    job.expires_at = timezone.now() + dt.timedelta(hours=EXPORT_KEEP_HOURS)


def years_text(years) -> str:
    """Fee years as the import reads them: runs joined, 2019-2024,2026."""
    from tenant_apps.memberships.dates import year_runs

    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0])
                    for r in year_runs(sorted(years)))


def export_filename(job: BulkJob) -> str:
    """The name a job's file is downloaded under: 会员-20261207-1530.xlsx, 证书-….zip."""
    local = timezone.localtime(job.created_at)
    if job.kind == BulkJob.Kind.CERTIFICATES:
        return f"{_('certificates')}-{local:%Y%m%d-%H%M}.{job.options.get('format', 'zip')}"
    return f"{_('members')}-{local:%Y%m%d-%H%M}.xlsx"


FILE_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "zip": "application/zip", "pdf": "application/pdf"}


def export_content_type(job: BulkJob) -> str:
    return FILE_TYPES[export_filename(job).rsplit(".", 1)[-1]]


# --- certificates ------------------------------------------------------------------------------

CERTIFICATE_FORMATS = ("zip", "pdf")


@transaction.atomic
def certificates_download_start(*, acting_user, params: dict, fmt: str) -> BulkJob:
    """The certificates in force (颁发, not superseded or revoked) of the members of a list or
    a selection, as one ZIP of a PDF each or one PDF to print: drawn in the background."""
    if not can(acting_user, "certificates.manage"):
        raise Forbidden()
    if fmt not in CERTIFICATE_FORMATS:
        raise AppError("invalid_input", _("Choose a ZIP file or one PDF."), field="format")
    return _start(acting_user=acting_user, kind=BulkJob.Kind.CERTIFICATES, params=params,
                  options={"format": fmt})


def _certificates(job: BulkJob, records) -> None:
    """Draw each member's certificates in force (certificates.services.certificate_drawing,
    what every drawing of a certificate is made from), members in number order, into a ZIP
    (one PDF each, named by certificate number) or one PDF (render.Book: each background
    stored once); progress counted per batch of members."""
    import zipfile

    from tenant_apps.certificates.models import Certificate
    from tenant_apps.certificates.render import Book, render_pdf
    from tenant_apps.certificates.services import certificate_drawing

    ids = list(records.order_by("membership__number").values_list("membership_id", flat=True))
    fmt = job.options.get("format")
    as_zip = fmt == "zip"
    done = 0
    with tempfile.TemporaryFile() as fh:
        if as_zip:
            archive = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED)
        else:
            # one canvas: each design's background and seal stored once in the file
            book = Book()
        designs: dict = {}  # each design's images read from storage once
        for start in range(0, len(ids), 200):
            chunk = ids[start:start + 200]
            order = {m: i for i, m in enumerate(chunk)}
            certificates = sorted(
                Certificate.objects.filter(membership_id__in=chunk,
                                           status=Certificate.Status.ISSUED)
                .select_related("membership__member_type"),
                key=lambda c: (order[c.membership_id], c.kind, c.number))
            for certificate in certificates:
                if as_zip:
                    # The certificate number (letters, digits, "-") names the entry: no
                    # member-typed text in a path inside the archive.
                    archive.writestr(f"{certificate.number}.pdf",
                                     render_pdf(**certificate_drawing(certificate, designs)))
                else:
                    book.page(**certificate_drawing(certificate, designs))
                job.written += 1
            done += len(chunk)
            BulkJob.objects.filter(pk=job.pk).update(done=done, written=job.written)
        if as_zip:
            archive.close()
        else:
            fh.write(book.finish())
        fh.seek(0)
        job.file.save(f"{job.public_id.hex}.{fmt}", File(fh), save=False)
    job.done = done
    job.expires_at = timezone.now() + dt.timedelta(hours=EXPORT_KEEP_HOURS)


# The jobs that make a file to download (kept EXPORT_KEEP_HOURS, only for the asker).
FILE_KINDS = (BulkJob.Kind.EXPORT, BulkJob.Kind.CERTIFICATES)


def bulk_expire() -> int:
    """Delete the files of exports past their time (beat, hourly). Returns how many."""
    gone = 0
    for job in BulkJob.objects.filter(kind__in=FILE_KINDS,
                                      expires_at__lt=timezone.now()).exclude(file=""):
        job.file.delete(save=False)
        job.file = ""
        job.save(update_fields=["file"])
        gone += 1
    return gone


# --- messages ----------------------------------------------------------------------------------

def placeholders_checked(text: str, field: str) -> str:
    """The text, if every {placeholder} in it is one a staff message fills; else 400 naming
    the ones it does not (nothing is sent)."""
    unknown = [p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
    if unknown or text.count("{") != text.count("}"):
        raise AppError("invalid_input", _(
            "Unknown placeholder %(found)s; you may use %(allowed)s.") % {
            "found": "、".join("{" + p + "}" for p in unknown) or "{",
            "allowed": "、".join("{" + p + "}" for p in PLACEHOLDERS)}, field=field)
    return text


def fill(text: str, values: dict) -> str:
    """Replace each known {placeholder} by its value; nothing else of the text is
    interpreted (no format string, no template)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@transaction.atomic
def send_staff_message(*, acting_user, params: dict, channels: list[str], subject: str,
                       body: str) -> BulkJob:
    """Send a message staff wrote to the members `params` name (the list's filters, or
    `{"number": [...]}`: a selection, or one member), by each of `channels`, through the
    outbox. Recipients are resolved by the task, in the sender's scope."""
    channels = [c for c in CHANNELS if c in set(channels)]
    if not channels:
        raise AppError("invalid_input", _("Choose at least one way to send."), field="channels")
    subject, body = subject.strip(), body.strip()
    if not body:
        raise AppError("invalid_input", _("Write the message."), field="body")
    if ("email" in channels or "inbox" in channels) and not subject:
        raise AppError("invalid_input", _("An e-mail or in-site message needs a title."),
                       field="subject")
    placeholders_checked(subject, "subject")
    placeholders_checked(body, "body")
    return _start(acting_user=acting_user, kind=BulkJob.Kind.MESSAGE, params=params,
                  options={"channels": channels, "subject": subject[:200], "body": body})


def message_values(record, document: dict, association) -> dict:
    from tenant_apps.applications.engine import type_document
    from tenant_apps.records.selectors import member_name

    m = record.membership
    try:
        doc = type_document(document, m.member_type.code)
    except KeyError:
        doc = {}
    return {"name": member_name(m, values=record.values or {}, doc=doc),
            "member_number": m.number, "member_type": m.member_type.name,
            "valid_until": m.valid_until.isoformat() if m.valid_until else "",
            "association": association.name if association else ""}


def _message(job: BulkJob, records) -> None:
    from huiji.tenancy.current import current_association
    from tenant_apps.notifications.models import OutboxMessage
    from tenant_apps.notifications.services import BULK_QUEUE_LIMIT, _queue
    from tenant_apps.notifications.tasks import outbox_deliver
    from tenant_apps.records.services import _revision_document

    document = _revision_document()
    association = current_association()
    channels, subject, body = (job.options["channels"], job.options.get("subject", ""),
                               job.options["body"])
    records = records.select_related("membership__member_type", "membership__user") \
        .prefetch_related("contacts").order_by("membership__number")
    now = timezone.now()
    done = written = 0
    ids: list[int] = []
    rows: list = []

    def flush():
        nonlocal written
        created = OutboxMessage.objects.bulk_create(rows)
        written += len(created)
        if len(ids) < BULK_QUEUE_LIMIT:
            ids.extend(m.pk for m in created)
        rows.clear()
        BulkJob.objects.filter(pk=job.pk).update(done=done, written=written)

    for record in records.iterator(chunk_size=CHUNK):
        user = record.membership.user
        values = message_values(record, document, association)
        first = next(iter(record.contacts.all()), None)
        addresses = {"sms": user.phone or (first.mobile if first else ""),
                     "email": user.email or (first.email if first else ""),
                     "inbox": str(user.pk)}
        text, title = fill(body, values), fill(subject, values)
        for channel in channels:
            if not addresses[channel]:
                continue
            rows.append(OutboxMessage(
                event=STAFF_MESSAGE_EVENT, channel=channel, recipient=user,
                address=addresses[channel], subject=title[:200], body=text,
                params={"name": values["name"], "association": values["association"],
                        "body": text},
                next_attempt_at=now))
        done += 1
        if len(rows) >= CHUNK:
            flush()
    flush()
    job.done, job.written = done, written
    if ids:
        _queue(outbox_deliver, ids[:BULK_QUEUE_LIMIT])


# --- branch ------------------------------------------------------------------------------------

@transaction.atomic
def branch_assign(*, acting_user, params: dict, branch, reason: str = "") -> BulkJob:
    """Add the members `params` name to `branch` (HQ administrators: members.manage)."""
    if not can(acting_user, "members.manage"):
        raise Forbidden()
    return _start(acting_user=acting_user, kind=BulkJob.Kind.BRANCH, params=params,
                  options={"branch": branch.code, "reason": reason.strip()[:500]})


def _branch(job: BulkJob, records) -> None:
    from tenant_apps.configuration.models import Branch
    from tenant_apps.records.services import record_set_branch

    branch = Branch.objects.get(code=job.options["branch"])
    done = moved = 0
    for pk in list(records.values_list("pk", flat=True)):
        with transaction.atomic():
            record = records.model.objects.select_for_update(of=("self",)) \
                .select_related("branch").get(pk=pk)
            moved += record_set_branch(acting_user=job.requested_by, record=record,
                                       branch=branch, reason=job.options.get("reason", ""),
                                       data={"job": str(job.public_id)})
        done += 1
        if done % 200 == 0:
            BulkJob.objects.filter(pk=job.pk).update(done=done, written=moved)
    job.done, job.written = done, moved


# --- the task's body ---------------------------------------------------------------------------

RUNNERS = {BulkJob.Kind.EXPORT: _export, BulkJob.Kind.MESSAGE: _message,
           BulkJob.Kind.BRANCH: _branch, BulkJob.Kind.CERTIFICATES: _certificates}


def bulk_run(job_id: int) -> str:
    """Run a queued job once: resolve its members in the asker's scope now, do the work,
    count progress for the page. A failure is kept on the job (the page says so)."""
    job = BulkJob.objects.select_related("requested_by").filter(
        pk=job_id, status=BulkJob.Status.QUEUED).first()
    if job is None:
        return "gone"
    records = bulk_members(job.requested_by, job.params)
    if records is None:  # the person lost the capability since
        records = bulk_members(job.requested_by, {"number": []})
    job.status = BulkJob.Status.RUNNING
    job.total = records.count() if records is not None else 0
    job.save(update_fields=["status", "total"])
    try:
        with translation.override(settings.LANGUAGE_CODE):
            if records is not None:
                RUNNERS[job.kind](job, records)
    except Exception as exc:
        logger.exception("bulk job %s failed", job.pk)
        job.status, job.error = BulkJob.Status.FAILED, f"{type(exc).__name__}"[:200]
    else:
        job.status = BulkJob.Status.DONE
    job.finished_at = timezone.now()
    job.save()
    return job.status
