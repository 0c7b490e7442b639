"""Reads of member records: the member's own, a member's for staff (in their scope), and the
record as its pages and API show it (tabs of rows, contacts, history), masked for staff where
personal numbers are not needed."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from tenant_apps.accounts.capabilities import can, scope
from tenant_apps.records.layout import layout_of
from tenant_apps.records.models import Contact, MemberRecord


def _records():
    return MemberRecord.objects.select_related(
        "membership__member_type", "membership__rank", "membership__user", "branch",
    ).prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("ordering",
                                                                                "id")))


def record_of_member(user) -> MemberRecord | None:
    """The record of the viewer's own membership (a unit's account, whoever of its contacts
    logged in), or None."""
    if not user.is_authenticated:
        return None
    return _records().filter(membership__user=user).first()


def member_name(membership, *, values: dict | None = None, doc: dict | None = None) -> str:
    """The member as the member centre's card and the record name it: a unit by the field
    its receipts are made out to (as staff lists name a unit: applications.engine.
    unit_name_in), read from the record's current values; a person, or a unit without a
    record, by the account. `values` and `doc` (the type's document): where the caller has
    them already."""
    from tenant_apps.applications.engine import type_document
    from tenant_apps.records.services import _revision_document

    if values is None:
        values = MemberRecord.objects.filter(membership=membership).values_list(
            "values", flat=True).first()
    if values and doc is None:
        try:
            doc = type_document(_revision_document(), membership.member_type.code)
        except KeyError:
            doc = {}
    return name_in_record(values, doc, str(membership.user))


def name_in_record(values: dict | None, doc: dict | None, account_name: str) -> str:
    """`member_name` from what the caller has read already (the directory reads thousands of
    members as plain values): the unit name in the record's values, else the account's."""
    from tenant_apps.applications.engine import unit_name_in

    return (unit_name_in(doc or {}, values) if values else "") or account_name


def record_for_staff(*, viewer, number: str) -> MemberRecord | None:
    """A member's record by member number, for staff who may open member records: all of
    them, or (branch administrators) those who joined a branch they administer. None (404)
    otherwise, so nobody learns whether the number exists."""
    held = scope(viewer, "members.view")
    if held is None:
        return None
    records = _records().filter(membership__number=number)
    if held != "all":
        records = records.filter(branch__admins=viewer)
    return records.first()


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return bool(value)


def mask_id(value: str) -> str:
    """11010519491231002X -> 110***********002X."""
    value = str(value)
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "***"


def mask_phone(value: str) -> str:
    """13912345678 -> 139****5678 (a landline keeps its area code and last digits)."""
    value = str(value)
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"


# The audit rows of a record that are part of the member's history (contacts point at the
# record through data["record"]; a removed contact's row targets the record itself).
_RECORD_ACTIONS = ("record.changed", "contact.removed")
_CONTACT_ACTIONS = ("contact.added", "contact.updated")


def _actor(label) -> str:
    """Who did it, as people read it: a person's name, or 系统 for the system (never the
    stored "system" key)."""
    label = str(label or "")
    return label if label and label != "system" else _("System")


def _record_labels() -> dict:
    return {"record.changed": _("Details changed"), "contact.added": _("Contact added"),
            "contact.updated": _("Contact changed"), "contact.removed": _("Contact removed")}


def _membership_label(event) -> tuple[str, str]:
    """(label, detail) of a membership's move: the status it moved to (已暂停, 已退会) with its
    cause, or for a return to force what brought it back (已续费, 已补缴欠费, 重新入会)."""
    from tenant_apps.memberships.models import Membership

    cause = str(event.get_reason_display())
    if event.to_status == Membership.Status.ACTIVE:
        return cause, ""
    return str(event.get_to_status_display()), cause


def mask_text(value) -> str:
    """Another sensitive value (a field the profile marks `sensitive`): its first and last
    characters only."""
    value = str(value)
    return value[:1] + "*" * max(len(value) - 2, 1) + value[-1:] if len(value) > 2 else "**"


def masked_display(spec: dict, value, display: str, *, viewer, own: bool = False) -> str:
    """The one masking rule for staff: an ID number (and any field the profile marks
    sensitive) is always masked for anyone but its owner, a phone unless the viewer manages
    members (members.manage: HQ administrators)."""
    if not value or own:
        return display
    if spec.get("type") == "cn_id":
        return mask_id(value)
    if spec.get("sensitive"):
        return mask_text(display)
    if spec.get("type") == "phone" and not can(viewer, "members.manage"):
        return mask_phone(value)
    return display


def record_history(record: MemberRecord | None = None, *, membership=None,
                   document: dict | None = None) -> list[dict]:
    """Everything that happened to a membership, oldest first, as one list of uniform
    entries: the timeline of the member's applications (joining, level changes), the
    membership's own moves (overdue, suspended, lapsed, renewed, arrears paid, withdrawn,
    joined again: `memberships.MembershipEvent`) and the changes of the record and its
    contacts (their audit rows). Each entry is {at, on, kind, label, detail, note, actor}:
    `label` and `detail` translated, `note` the reason someone gave, `actor` a name or 系统;
    membership moves also carry their codes (`from`, `to`, `reason`) for the API.

    Three queries however long the history (a fourth for the fields' labels when a record
    change is in it and the configuration `document` is not given). Pages
    and APIs all read it here: the staff member page, 我的资料, `GET /api/v1/members/<n>/`,
    `GET /api/v1/member/record/` and `GET /api/v1/memberships/<n>/history/`."""
    from django.db.models import Q

    from huiji.audit.models import AuditEntry
    from tenant_apps.applications.models import ApplicationEvent
    from tenant_apps.memberships.models import MembershipEvent

    if membership is None:
        membership = record.membership
    if record is None:
        record = MemberRecord.objects.filter(membership=membership).only("pk").first()
    entries = []
    for e in ApplicationEvent.objects.filter(
            application__applicant_id=membership.user_id).select_related(
            "application__member_type").order_by("created_at", "id"):
        entries.append({
            "at": e.created_at, "on": None, "kind": "application", "label": e.action_label,
            "detail": " · ".join(x for x in (e.step_name, e.application.member_type.name)
                                 if x),
            "note": e.reason, "actor": _actor(e.actor_label)})
    for e in MembershipEvent.objects.filter(membership_id=membership.pk).select_related(
            "actor").order_by("created_at", "id"):
        label, detail = _membership_label(e)
        entries.append({
            "at": e.created_at,
            # the day the dates say it happened, when the job ran for another day
            "on": e.effective_on if e.effective_on != _local_day(e.created_at) else None,
            "kind": "membership", "label": label, "detail": detail, "note": e.note,
            "actor": _actor(e.actor), "from": e.from_status, "to": e.to_status,
            "reason": e.reason, "effective_on": e.effective_on})
    if record is not None:
        labels = _record_labels()
        audits = list(AuditEntry.objects.filter(
            Q(action__in=_RECORD_ACTIONS, target_type="MemberRecord",
              target_id=str(record.pk))
            | Q(action__in=_CONTACT_ACTIONS, data__record=record.pk)).order_by("created_at",
                                                                               "id"))
        requests = list(record.change_requests.select_related("branch", "requested_by")
                        .order_by("created_at", "id"))
        field_labels = _field_labels(record, document) if requests or any(
            a.action == "record.changed" for a in audits) else {}
        for a in audits:
            entries.append({
                "at": a.created_at, "on": None, "kind": "record",
                "label": str(labels[a.action]), "detail": _audit_detail(a, field_labels),
                "note": a.reason, "actor": _actor(a.actor_label)})
        entries += _request_entries(requests, field_labels)
    # In the order shown: a move the nightly job wrote for another day (`on`) sorts on that day.
    entries.sort(key=lambda e: _day_start(e["on"]) if e["on"] else e["at"])
    return entries


def _local_day(moment):
    from django.utils import timezone

    return timezone.localtime(moment).date()


def _day_start(day):
    import datetime as dt

    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _request_entries(requests, field_labels: dict) -> list[dict]:
    """A change request in the history: when it was asked, and how it ended (approved and
    applied, rejected with the reason, taken back), each naming what it was about."""
    from tenant_apps.records.models import ChangeRequest

    ended = {ChangeRequest.Status.APPROVED: _("Request approved and applied"),
             ChangeRequest.Status.REJECTED: _("Request rejected"),
             ChangeRequest.Status.CANCELLED: _("Request taken back")}
    out = []
    for request in requests:
        about = request.branch.name if request.branch_id else "、".join(
            label for key, label in field_labels.items() if key in request.changes)
        title = str(request.get_kind_display())
        out.append({"at": request.created_at, "on": None, "kind": "request",
                    "label": str(_("Request submitted")), "detail": f"{title} · {about}",
                    "note": request.note, "actor": _actor(str(request.requested_by))})
        if request.decided_at and request.status in ended:
            last = (request.decisions or [{}])[-1]
            actor = last.get("actor_label") if request.status != "cancelled" else ""
            out.append({"at": request.decided_at, "on": None, "kind": "request",
                        "label": str(ended[request.status]),
                        "detail": f"{title} · {about}", "note": request.reason,
                        "actor": _actor(actor or str(request.requested_by))})
    return out


def _field_labels(record: MemberRecord, document: dict | None) -> dict:
    """{field key: label} of the record's fields."""
    from tenant_apps.records.services import record_type_doc

    out = {}
    for section in layout_of(record_type_doc(record, document))["sections"]:
        for spec in section["fields"]:
            out[spec["key"]] = spec["label"]
    return out


def _audit_detail(entry, field_labels: dict) -> str:
    """What a record's audit row changed, in words: the fields' labels (a field no longer
    configured is left out rather than named by its key), or the contact's role and name."""
    data = entry.data or {}
    if entry.action == "record.changed":
        # in the order of the record's fields (the stored object's order is the database's)
        changed = data.get("changes", {})
        return "、".join(label for k, label in field_labels.items() if k in changed)
    contact = data.get("after") or data.get("before") or {}
    return " ".join(x for x in (contact.get("role"), contact.get("name")) if x)


def record_shown(record: MemberRecord, *, viewer) -> dict:
    """The record as pages and the API show it. The member sees everything of their own;
    staff see ID numbers masked, and phones too unless they manage members."""
    from huiji import richtext
    from tenant_apps.applications.forms import _display, choices_of
    from tenant_apps.records.services import _revision_document, record_type_doc

    own = viewer.pk == record.membership.user_id
    document = _revision_document()
    doc = record_type_doc(record, document)
    layout = layout_of(doc)
    values = record.values or {}
    sections = []
    photo = None
    for index, section in enumerate(layout["sections"]):
        rows = []
        for spec in section["fields"]:
            value = values.get(spec["key"])
            if spec["type"] == "image" and _is_uuid(value) and photo is None:
                photo = value
            rows.append(_row(spec, value, document, viewer=viewer, own=own,
                             editable=own and spec["key"] in layout["editable"],
                             display=_display, choices_of=choices_of, richtext=richtext))
        if own:
            _form_rows(rows, values, document)
        sections.append({"index": index, "title": section["title"],
                         "contacts": section["contacts"], "rows": rows,
                         "editable": any(r["editable"] for r in rows),
                         # fields the member asks to change (信息变更), reviewed by staff
                         "reviewed": own and bool(layout.get("change_review")) and any(
                             f["key"] in layout["reviewed"] for f in section["fields"])})
    contacts_spec = layout.get("contacts")
    phone = {"type": "phone"}  # a contact's numbers are masked as a record's phone is
    contacts = [{
        "id": c.pk, "role": c.role, "name": c.name, "department": c.department,
        "position": c.position, "email": c.email,
        "mobile": masked_display(phone, c.mobile, c.mobile, viewer=viewer, own=own),
        "telephone": masked_display(phone, c.telephone, c.telephone, viewer=viewer, own=own),
        "masked": {f for f in ("mobile", "telephone") if getattr(c, f) and masked_display(
            phone, getattr(c, f), getattr(c, f), viewer=viewer, own=own) != getattr(c, f)},
        "contact": c} for c in record.contacts.all()]
    membership = record.membership
    return {"record": record, "membership": membership, "sections": sections,
            "name": member_name(membership, values=values, doc=doc),
            # fields nobody but staff change: the member is told whom to ask
            "staff_only": own and any(
                f["key"] not in layout["editable"] and f["key"] not in layout["reviewed"]
                for sec in layout["sections"] for f in sec["fields"]),
            "contacts": contacts, "contacts_spec": contacts_spec,
            "contacts_manageable": bool(contacts_spec) and (
                (own and contacts_spec.get("managed_by") != "staff")
                or can(viewer, "members.manage")),
            "photo": photo, "own": own, "interest_branches": _interest_branches(
                layout, values, document), "document": document}


def _row(spec, value, document, *, viewer, own, editable, display, choices_of, richtext):
    kind = spec["type"]
    choices = choices_of(spec, document) if kind in ("choice", "multichoice") else []
    row = {"key": spec["key"], "label": spec["label"], "type": kind, "value": value,
           "editable": editable, "spec": spec, "items": None,
           "file": value if kind == "image" and _is_uuid(value) else None}
    if kind == "group":
        items = [i for i in value or [] if isinstance(i, dict)]
        row["columns"] = [f["label"] for f in spec["fields"]]
        # a group's sensitive sub-fields (a contact's ID number) masked as any field is
        row["items"] = [[masked_display(f, i.get(f["key"]), display(
            f, i.get(f["key"]), choices_of(f, document)
            if f["type"] in ("choice", "multichoice") else []), viewer=viewer, own=own)
                         for f in spec["fields"]] for i in items]
        row["display"] = ""
    elif kind == "richtext" and value:
        row["display"] = richtext.safe_html(value)
    else:
        row["display"] = display(spec, value, choices)
    plain = row["display"]
    row["display"] = masked_display(spec, value, plain, viewer=viewer, own=own)
    # shown masked: staff who may reveal it get a button (records.services.member_data_reveal)
    row["masked"] = row["display"] != plain
    return row


def _form_rows(rows: list[dict], values: dict, document: dict) -> None:
    """The inputs of the member-editable rows (the wizard's own field rendering)."""
    from types import SimpleNamespace

    from tenant_apps.applications.forms import field_rows

    shim = SimpleNamespace(revision=SimpleNamespace(document=document), answers=values)
    for row in rows:
        if row["editable"]:
            row["form"] = field_rows([row["spec"]], values, {}, application=shim)[0]


def edit_rows(specs: list[dict], values: dict, errors: dict[str, str],
              document: dict | None = None) -> list[dict]:
    """The inputs of `specs` holding `values`, with `errors` (by field path) beside them: the
    wizard's own field rendering, for a tab being edited (the member's editable fields, or
    every field for staff who manage members)."""
    from types import SimpleNamespace

    from tenant_apps.applications.forms import field_rows
    from tenant_apps.records.services import _revision_document

    if document is None:
        document = _revision_document()
    shim = SimpleNamespace(revision=SimpleNamespace(document=document), answers=values)
    return field_rows(specs, values, errors, application=shim)


def _branch_names(document: dict) -> dict[str, str]:
    """{branch code: name} of the configuration's branches (without the tree's indent)."""
    from tenant_apps.applications.forms import _branch_choices

    return {c["value"]: c["label"].strip("　") for c in _branch_choices(document)}


def _interest_branches(layout: dict, values: dict, document: dict) -> list[str]:
    names = _branch_names(document)
    out = []
    for section in layout["sections"]:
        for spec in section["fields"]:
            if spec["type"] == "multichoice" and spec.get("choices_from") == "branches":
                out += [names.get(v, v) for v in values.get(spec["key"]) or []]
    return out


# --- change requests (records/change_requests.py) -------------------------------------------

def _requests():
    from tenant_apps.records.models import ChangeRequest

    return ChangeRequest.objects.select_related(
        "record__membership__user", "record__membership__member_type", "record__branch",
        "branch").prefetch_related("proofs__file", "branch__admins",
                                   "record__branch__admins")


def change_requests_of(user) -> list:
    """The member's own change requests, newest first."""
    if not user.is_authenticated:
        return []
    return list(_requests().filter(record__membership__user=user))


def change_request_of_member(user, public_id):
    if not user.is_authenticated:
        return None
    return _requests().filter(record__membership__user=user, public_id=public_id).first()


def change_request_for_staff(user, public_id):
    """A change request staff may open: anyone who may open member records in their scope
    (members.view), and a branch administrator also the requests to join their branch.
    None (404) otherwise."""
    from django.db.models import Q

    held = scope(user, "members.view")
    if held is None:
        return None
    rows = _requests().filter(public_id=public_id)
    if held != "all":
        rows = rows.filter(Q(record__branch__admins=user) | Q(branch__admins=user))
    return rows.distinct().first()


CHANGE_QUEUE_PAGE_SIZE = 50


def _waiting_for(user, held=None):
    """The change requests in review at a step `user` may decide (change_requests.can_decide
    stays the rule): the applications queue's condition on the stored step target
    (applications.selectors.reviewable_by), which change_requests._move keeps current.
    None for someone without the staff console."""
    from tenant_apps.applications.selectors import reviewable_by
    from tenant_apps.records.models import ChangeRequest

    if scope(user, "staff.console") is None:
        return None
    return ChangeRequest.objects.filter(reviewable_by(user, held),
                                        status=ChangeRequest.Status.IN_REVIEW)


def change_requests_waiting(user, held=None) -> int:
    """How many change requests wait for this person (the count on /review/): one COUNT.
    `held`: capabilities.held_roles() where the caller has read it already."""
    rows = _waiting_for(user, held)
    return 0 if rows is None else rows.count()


def change_request_queue(user, *, page: int = 1, size: int | None = None):
    """One page of the change requests waiting at a step this person may decide, oldest
    first, with how many there are in all (an applications.selectors.QueuePage). Filtered
    in SQL; the same few queries whatever the number of requests: the roles held, the count,
    the page's ids, its rows."""
    from tenant_apps.applications.selectors import QueuePage
    from tenant_apps.records.models import ChangeRequest

    size = size or CHANGE_QUEUE_PAGE_SIZE
    rows = _waiting_for(user)
    if rows is None:
        return QueuePage([], 0, 1, 1, size)
    count = rows.count()
    pages = max(1, -(-count // size))
    page = min(max(1, page), pages)
    ids = list(rows.order_by("created_at", "pk").values_list("pk", flat=True)
               [(page - 1) * size:page * size])
    place = {pk: n for n, pk in enumerate(ids)}
    found = sorted(ChangeRequest.objects.filter(pk__in=ids).select_related(
        "record__membership__user", "branch"), key=lambda r: place[r.pk])
    return QueuePage(found, count, page, pages, size)


def change_rows(request, *, viewer) -> list[dict]:
    """The request's changes side by side: the field's label, the value before and the value
    asked for, as people read them (masked for staff as the record is)."""
    from tenant_apps.applications.forms import _display, choices_of
    from tenant_apps.records.services import _revision_document, record_type_doc

    document = _revision_document()
    if request.kind == "branch":
        names = _branch_names(document)
        change = request.changes.get("branch") or {}
        return [{"key": "branch", "label": _("Branch"),
                 "old": names.get(change.get("old"), "") if change.get("old") else "",
                 "new": names.get(change.get("new"), change.get("new") or "")}]
    layout = layout_of(record_type_doc(request.record, document))
    specs = {f["key"]: f for s in layout["sections"] for f in s["fields"]}
    own = viewer.pk == request.record.membership.user_id
    rows = []
    # in the order of the record's tabs (the stored object's key order is the database's)
    order = list(specs)
    for key in sorted(request.changes, key=lambda k: order.index(k) if k in order else 999):
        change = request.changes[key]
        spec = specs.get(key) or {"key": key, "label": key, "type": "text"}
        choices = choices_of(spec, document) if spec["type"] in ("choice", "multichoice") \
            else []
        shown = []
        for value in (change.get("old"), change.get("new")):
            if spec["type"] == "richtext" and value:
                from huiji import richtext

                text = richtext.safe_html(value)
            elif spec["type"] == "group":
                text = "；".join("，".join(str(v) for v in (item or {}).values() if v)
                                for item in value or [])
            else:
                text = _display(spec, value, choices)
            shown.append(masked_display(spec, value, text, viewer=viewer, own=own))
        rows.append({"key": key, "label": spec["label"], "old": shown[0], "new": shown[1],
                     "rich": spec["type"] == "richtext"})
    return rows


def request_status_label(request) -> str:
    """What the member and staff call where a request stands: 待<step> while in review."""
    from tenant_apps.records.models import ChangeRequest

    if request.status == ChangeRequest.Status.IN_REVIEW and request.steps:
        return _("Awaiting %(step)s") % {"step": request.steps[request.position]["name"]}
    return str(request.get_status_display())


def my_applications(user) -> list[dict]:
    """我的申请: the member's join application, level changes and change requests (changes
    of details, joining a branch), newest first, each with where it stands and its page."""
    from django.urls import reverse

    from tenant_apps.applications.models import Application, Status
    from tenant_apps.applications.selectors import status_label
    from tenant_apps.records.services import _revision_document

    if not user.is_authenticated:
        return []
    document = _revision_document()
    rows = []
    for application in Application.objects.filter(applicant=user).exclude(
            status=Status.WITHDRAWN, submitted_at__isnull=True).select_related(
            "member_type", "rank", "revision", "branch"):
        title = application.member_type.name + (f" · {application.rank.name}"
                                                if application.rank_id else "")
        url = reverse("members:home") if application.purpose == "join" else \
            reverse("applications:level-change")
        rows.append({"kind": str(application.get_purpose_display()), "title": title,
                     "at": application.submitted_at or application.created_at,
                     "status": application.status, "label": status_label(application),
                     "reason": application.last_reason if application.status in (
                         Status.REJECTED, Status.RETURNED) else "", "url": url})
    for request in change_requests_of(user):
        rows.append({"kind": str(request.get_kind_display()),
                     "title": _summary_of(request, document), "at": request.created_at,
                     "status": request.status, "label": request_status_label(request),
                     "reason": request.reason,
                     "url": reverse("records:request", args=[request.public_id])})
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows


def _summary_of(request, document: dict) -> str:
    """A line naming what a request changes: the branch asked, or the fields' labels."""
    from tenant_apps.records.services import record_type_doc

    if request.kind == "branch":
        return request.branch.name if request.branch_id else ""
    layout = layout_of(record_type_doc(request.record, document))
    return "、".join(f["label"] for s in layout["sections"] for f in s["fields"]
                    if f["key"] in request.changes)
