"""Writes of member records: filling one from the approved application, changing its fields,
and the unit's contacts (add, edit, remove, at least the profile's minimum kept)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.capabilities import can
from tenant_apps.configuration.fieldtypes import FieldValueError, clean_phone
from tenant_apps.records.layout import (
    CONTACT_DETAILS,
    LENGTHS,
    contacts_from_answers,
    layout_of,
    record_values_from_answers,
)
from tenant_apps.records.models import Contact, MemberRecord


def record_create_from_application(*, acting_user, application, membership) -> MemberRecord:
    """The record of a new membership: the approved application's answers become its current
    values, its contacts' answers rows of their own (inside the activation's transaction).

    A lapsed or withdrawn member joining again by a new application keeps their membership
    row, and so its record: it is filled again from the new application (its contacts
    replaced), the values it had kept in the audit row."""
    from tenant_apps.applications.services import type_doc

    layout = layout_of(type_doc(application))
    values = record_values_from_answers(layout, application.answers or {})
    record = MemberRecord.objects.select_for_update().filter(membership=membership).first()
    data = {"membership": membership.number, "application": str(application.public_id)}
    if record is None:
        record = MemberRecord.objects.create(
            membership=membership, source_application=application, branch=application.branch,
            values=values)
        action = "record.created"
    else:
        data["before"] = record.values
        record.source_application, record.branch, record.values = \
            application, application.branch, values
        record.save(update_fields=["source_application", "branch", "values", "updated_at"])
        record.contacts.all().delete()
        action = "record.refilled"
    Contact.objects.bulk_create([
        Contact(record=record, ordering=n, **row)
        for n, row in enumerate(contacts_from_answers(layout.get("contacts"),
                                                      application.answers or {}))])
    audit_record(actor=acting_user, action=action, target=record, data=data)
    _directory(record)
    _certificates(record, acting_user)
    return record


def _directory(record: MemberRecord) -> None:
    """The member directory's row follows the record (tenant_apps/directory)."""
    from tenant_apps.directory.services import refresh_entries

    refresh_entries([record.membership_id])


def _certificates(record: MemberRecord, actor) -> None:
    """The certificates follow what the record shows: the name, the unit's name and credit
    code, the photo (tenant_apps/certificates)."""
    from tenant_apps.certificates.services import certificates_refresh

    certificates_refresh(record.membership_id, actor=actor)


def records_create_bulk(*, acting_user, items: list[tuple]) -> list[int]:
    """Records of many new memberships at once, with their contacts (the import of existing
    members, tenant_apps/imports): `items` are (membership id, branch id, checked values,
    checked contact rows), values as `record_values_from_answers` keeps them and contacts as
    `contact_checked` returns them. In the caller's transaction, by COPY (huiji.bulk): two
    statements however many. The import writes one audit row for all of them. Returns the
    records' ids."""
    from django.utils import timezone

    from huiji.bulk import copy_rows, next_ids

    now = timezone.now().isoformat()
    ids = next_ids(MemberRecord, len(items))
    copy_rows(MemberRecord, ["id", "membership_id", "branch_id", "values", "created_at",
                             "updated_at"],
              ((pk, m, branch, values, now, now)
               for pk, (m, branch, values, _contacts) in zip(ids, items, strict=True)))
    parts = ("role", "name", *CONTACT_DETAILS)
    copy_rows(Contact, ["record_id", *parts, "ordering", "created_at"],
              ((pk, *(row.get(p, "") for p in parts), n, now)
               for pk, (_m, _b, _v, contacts) in zip(ids, items, strict=True)
               for n, row in enumerate(contacts)))
    return ids


def record_locked(record: MemberRecord) -> MemberRecord:
    return MemberRecord.objects.select_for_update(of=("self",)).select_related(
        "membership__member_type", "membership__user").get(pk=record.pk)


def _may_change(actor, record: MemberRecord) -> None:
    if actor.pk != record.membership.user_id and not can(actor, "members.manage"):
        raise Forbidden


def record_type_doc(record: MemberRecord, document: dict | None = None) -> dict:
    """The member type's document in the current configuration (the record's tabs and
    fields follow what the association configures now, not what it was at joining)."""
    from tenant_apps.applications.engine import type_document

    if document is None:
        document = _revision_document()
    try:
        return type_document(document, record.membership.member_type.code)
    except KeyError:
        return {"code": record.membership.member_type.code, "record": {}}


@transaction.atomic
def record_apply_changes(*, acting_user, record: MemberRecord, changes: dict,
                         editable_only: bool = True, reason: str = "",
                         reason_required: bool = False,
                         action: str = "record.changed") -> dict:
    """Change fields of the record at once, with one audit row holding the old and new value
    of each changed field. `changes` is {field key: new value}, each checked by its field's
    type; a refused value changes nothing (400, the field named). With `editable_only` only
    fields the profile lets the member change are taken (staff, `members.manage`, may change
    any). Staff changing a member's record on the member page give a reason
    (`reason_required`), kept on the audit row and shown in the member's history. A reviewed
    change request is applied by `record_write` once its last step approves
    (records/change_requests.py)."""
    record = record_locked(record)
    _may_change(acting_user, record)
    from huiji.reasons import reason_checked

    reason = reason_checked(reason, required=_("Give the reason: the member will see it.")
                            if reason_required else None)
    layout = layout_of(record_type_doc(record))
    cleaned = record_checked_values(record, changes, allowed=layout["editable"]
                                    if editable_only else None, layout=layout)
    return record_write(acting_user=acting_user, record=record, cleaned=cleaned,
                        reason=reason, action=action, layout=layout)


def record_checked_values(record: MemberRecord, changes: dict, *, allowed=None,
                          layout: dict | None = None) -> dict:
    """`changes` ({field key: new value}) checked by each field's type, as stored; AppError
    (400) naming the first field at fault. `allowed`: the keys that may be given (None: any
    field of the record's layout)."""
    from tenant_apps.applications.engine import branch_codes, check_answers

    if layout is None:
        layout = layout_of(record_type_doc(record))
    specs = {f["key"]: f for s in layout["sections"] for f in s["fields"]}
    unknown = [k for k in changes if k not in specs
               or (allowed is not None and k not in allowed)]
    if unknown:
        raise AppError("not_editable", _("This field cannot be changed here."),
                       field=unknown[0])
    fields = [specs[k] for k in changes]
    document = _revision_document()
    cleaned, errors = check_answers(fields, changes, branches=branch_codes(document),
                                    require=True, own_images=_own_images(record))
    if errors:
        key, message = next(iter(errors.items()))
        raise AppError("invalid_value", message, field=key.split(".")[0],
                       details={"path": key})
    return {key: cleaned.get(key) for key in changes}


def record_diff(record: MemberRecord, cleaned: dict) -> dict:
    """{key: {"old", "new"}} of the checked values that differ from the record's."""
    values = record.values or {}
    return {key: {"old": values.get(key), "new": new} for key, new in cleaned.items()
            if values.get(key) != new}


def record_write(*, acting_user, record: MemberRecord, cleaned: dict, reason: str = "",
                 action: str = "record.changed", data: dict | None = None,
                 layout: dict | None = None) -> dict:
    """Write checked values (record_checked_values) to a locked record, all at once, with one
    audit row of the old and new value of each field that changed. Returns that diff.
    `layout`: the record's layout, where the caller has read it already."""
    diff = record_diff(record, cleaned)
    if not diff:
        return diff
    record_account_name(record, diff, save=True, layout=layout)
    values = dict(record.values)
    for key, change in diff.items():
        if change["new"] in (None, "", [], {}):
            values.pop(key, None)
        else:
            values[key] = change["new"]
    record.values = values
    record.save(update_fields=["values", "updated_at"])
    audit_record(actor=acting_user, action=action, target=record, reason=reason,
                 data={"changes": diff, **(data or {})})
    _directory(record)
    _certificates(record, acting_user)
    return diff


def record_set_branch(*, acting_user, record: MemberRecord, branch, reason: str = "",
                      data: dict | None = None, always: bool = False) -> bool:
    """Move a member to `branch` (the body joined: its administrators see the member), with
    one audit row `record.branch_changed` of the old and new branch code. Used by an approved
    加入分支机构 request and by staff's 加入分支机构 on many members (tenant_apps/bulk). A
    member already there is left alone (False) unless `always`."""
    if record.branch_id == branch.pk and not always:
        return False
    before = record.branch.code if record.branch_id else None
    record.branch = branch
    record.save(update_fields=["branch", "updated_at"])
    from tenant_apps.records.change_requests import change_requests_follow_branch

    change_requests_follow_branch(record)
    audit_record(actor=acting_user, action="record.branch_changed", target=record,
                 reason=reason, data={**(data or {}), "changes": {
                     "branch": {"old": before, "new": branch.code}}})
    from tenant_apps.directory.services import refresh_entries

    refresh_entries([record.membership_id], record=False)
    return True


def record_account_name(record: MemberRecord, diff: dict, *, save: bool,
                        layout: dict | None = None) -> None:
    """A field filled from the account's name (CAQ: 单位名称即登录账号) changes the account's
    name with it, so the new name logs in; a name another account has is refused (a shared
    name would log in to neither). Without `save` only checks (a change request asked)."""
    from tenant_apps.accounts.models import User

    if layout is None:
        layout = layout_of(record_type_doc(record))
    for section in layout["sections"]:
        for spec in section["fields"]:
            new = (diff.get(spec["key"]) or {}).get("new")
            if spec.get("from_account") != "name" or not new:
                continue
            user = record.membership.user
            if User.objects.filter(name=new).exclude(pk=user.pk).exists():
                raise AppError("name_taken", _("Another account already has this name."),
                               field=spec["key"], status=409)
            if save:
                user.name = new
                user.save(update_fields=["name"])


def _revision_document() -> dict:
    from tenant_apps.configuration.models import ConfigurationRevision

    return ConfigurationRevision.objects.values_list("document", flat=True).first() or {}


def _own_images(record: MemberRecord) -> frozenset[str]:
    from tenant_apps.files.models import PrivateFile

    return frozenset(str(i) for i in PrivateFile.objects.filter(
        owner_id=record.membership.user_id).values_list("public_id", flat=True))


def record_store_image(*, acting_user, record: MemberRecord, field: str, uploaded,
                       editable_only: bool = True):
    """Store a picture for an image field of the record (CMES's 个人照片, a unit's logo)
    after checking what it is and its size; the change itself goes through
    record_apply_changes with the returned file's id (staff: `editable_only=False`, any
    image field)."""
    from tenant_apps.files.formats import accepted_formats, formats_label
    from tenant_apps.files.services import private_file_store
    from tenant_apps.files.sniff import sniff

    _may_change(acting_user, record)
    layout = layout_of(record_type_doc(record))
    spec = next((f for s in layout["sections"] for f in s["fields"]
                 if f["key"] == field and f["type"] == "image"), None)
    if spec is None or (editable_only and field not in layout["editable"]):
        raise AppError("not_editable", _("This field cannot be changed here."), field=field)
    found = sniff(uploaded)
    formats = accepted_formats(spec)
    if found.kind != "image" or found.extension not in formats:
        raise AppError("file_kind", _("Upload an image (%(formats)s).")
                       % {"formats": formats_label(formats)}, field=field)
    limit = spec.get("max_size_mb") or 2
    if uploaded.size > limit * 1024 * 1024:
        raise AppError("file_too_large", _("The file is larger than %(n)d MB.") % {"n": limit},
                       field=field)
    return private_file_store(acting_user=acting_user, owner=record.membership.user,
                              uploaded=uploaded, content_type=found.content_type)


# --- contacts ---------------------------------------------------------------------------------

def _contacts_spec(record: MemberRecord, actor) -> dict:
    """The contacts' settings, if `actor` may change them: the unit itself where the
    profile lets members manage their contacts, staff who manage members always."""
    spec = layout_of(record_type_doc(record)).get("contacts")
    if not spec:
        raise AppError("no_contacts", _("This membership has no contacts to manage."),
                       status=404)
    if spec.get("managed_by") == "staff" and not can(actor, "members.manage"):
        raise AppError("contacts_by_staff", _("The association's staff change the contacts: "
                                              "please contact the association."), status=403)
    return spec


def contact_checked(spec: dict, data: dict) -> dict:
    """The contact's details as stored, or AppError naming the first field at fault (the
    contacts' settings `spec`: which details, which required, which roles). The one check of
    a contact: the member's and staff's forms, and the import (tenant_apps/imports)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    out = {}
    for part in ("role", "name", *CONTACT_DETAILS):
        value = data.get(part)
        value = "" if value is None else str(value).strip()
        if "\x00" in value:
            raise AppError("invalid_value", _("Null characters are not allowed."), field=part)
        if part in CONTACT_DETAILS and part not in spec["fields"]:
            continue
        if not value:
            if part in ("role", "name") or part in spec["required"]:
                raise AppError("required", _("This field is required."), field=part)
            out[part] = ""
            continue
        if len(value) > LENGTHS[part]:
            raise AppError("too_long", _("At most %(n)d characters.") % {"n": LENGTHS[part]},
                           field=part)
        try:
            if part == "mobile":
                value = clean_phone(value, mobile_only=True)
            elif part == "telephone":
                value = clean_phone(value)
        except FieldValueError as exc:
            raise AppError("invalid_phone", str(exc), field=part) from exc
        if part == "email":
            value = value.lower()
            try:
                validate_email(value)
            except ValidationError as exc:
                raise AppError("invalid_email", _("Enter a valid email address."),
                               field=part) from exc
        if part == "role" and value not in spec["roles"]:
            raise AppError("invalid_role", _("Choose a role from the list."), field=part)
        out[part] = value
    return out


def _check_roles_and_phone(spec: dict, record: MemberRecord, row: dict,
                           contact: Contact | None) -> None:
    others = record.contacts.exclude(pk=contact.pk if contact else None)
    if spec["unique_roles"] and others.filter(role=row["role"]).exists():
        raise AppError("role_taken", _("The unit already has a %(role)s. Edit that contact "
                                       "instead.") % {"role": row["role"]}, field="role")
    mobile = row.get("mobile")
    if not mobile:
        return
    from tenant_apps.accounts.models import User

    owner = record.membership.user_id
    taken = Contact.objects.filter(mobile=mobile).exclude(record=record).exists() or \
        User.objects.filter(phone=mobile).exclude(pk=owner).exists()
    if taken:
        # A phone logs in to one account only: never to two units' accounts.
        raise AppError("phone_taken", _("This mobile number already belongs to another "
                                        "account or its contacts. Give another number, or "
                                        "ask the association."), field="mobile", status=409)
    if others.filter(mobile=mobile).exists():
        raise AppError("phone_repeated", _("Another contact of the unit has this mobile "
                                           "number."), field="mobile", status=409)


def _snapshot(contact: Contact) -> dict:
    return {p: getattr(contact, p) for p in ("role", "name", *CONTACT_DETAILS)}


@transaction.atomic
def contact_add(*, acting_user, record: MemberRecord, data: dict) -> Contact:
    record = record_locked(record)
    _may_change(acting_user, record)
    spec = _contacts_spec(record, acting_user)
    row = contact_checked(spec, data)
    if record.contacts.count() >= spec["max_items"]:
        raise AppError("too_many_contacts", _("At most %(n)d contacts.")
                       % {"n": spec["max_items"]})
    _check_roles_and_phone(spec, record, row, None)
    last = record.contacts.order_by("-ordering").values_list("ordering", flat=True).first()
    contact = Contact.objects.create(record=record, ordering=(last or 0) + 1, **row)
    audit_record(actor=acting_user, action="contact.added", target=contact,
                 data={"record": record.pk, "after": _snapshot(contact)})
    _directory(record)
    return contact


@transaction.atomic
def contact_update(*, acting_user, contact: Contact, data: dict) -> Contact:
    record = record_locked(contact.record)
    _may_change(acting_user, record)
    contact = Contact.objects.select_for_update().get(pk=contact.pk, record=record)
    spec = _contacts_spec(record, acting_user)
    row = contact_checked(spec, data)
    _check_roles_and_phone(spec, record, row, contact)
    before = _snapshot(contact)
    for part, value in row.items():
        setattr(contact, part, value)
    contact.save()
    audit_record(actor=acting_user, action="contact.updated", target=contact,
                 data={"record": record.pk, "before": before, "after": _snapshot(contact)})
    _directory(record)
    return contact


@transaction.atomic
def contact_remove(*, acting_user, contact: Contact) -> None:
    record = record_locked(contact.record)  # the lock serialises two removals of the last two
    _may_change(acting_user, record)
    spec = _contacts_spec(record, acting_user)
    if record.contacts.count() <= spec["min_items"]:
        raise AppError("contacts_minimum", _("A unit keeps at least %(n)d contact(s): add "
                                             "another before removing this one.")
                       % {"n": spec["min_items"]})
    before = _snapshot(contact)
    Contact.objects.filter(pk=contact.pk, record=record).delete()
    audit_record(actor=acting_user, action="contact.removed", target=record,
                 data={"contact": contact.pk, "before": before})
    _directory(record)


def contact_login_query(phone: str) -> Q:
    """The accounts a mobile number logs in to as a contact: units whose member type lets
    contacts log in (`record.contacts.login` in the profile). For
    accounts.selectors.account_for_identifier and the SMS login."""
    return Q(membership__record__contacts__mobile=phone,
             membership__member_type__record_layout__contacts__login=True)


# --- personal data shown masked to staff, revealed one value at a time, logged -------------

REVEALABLE = ("cn_id", "phone")  # what selectors.masked_display masks, with `sensitive` fields
CONTACT_NUMBERS = ("mobile", "telephone")


@transaction.atomic
def member_data_reveal(*, acting_user, record: MemberRecord, field: str,
                       contact_id: int | None = None) -> str:
    """One masked value of a member in full (an ID number, a phone, a contact's mobile), for
    staff who may (members.reveal: HQ administrators, and a branch administrator for members
    of their branch). Every reveal writes an audit row (who, which member, which field, when:
    `member.data_revealed`), shown in the member's timeline. Refused with a translated
    message (400) for a field that is not personal data or holds nothing."""
    from tenant_apps.accounts.capabilities import can_for_member

    if not can_for_member(acting_user, "members.reveal", record.membership):
        raise Forbidden(_("You may not reveal this member's personal data."))
    if contact_id is not None:
        contact = next((c for c in record.contacts.all() if c.pk == contact_id), None)
        if contact is None or field not in CONTACT_NUMBERS:
            raise AppError("not_revealable", _("There is nothing to reveal here."),
                           field="field")
        value = getattr(contact, field)
        labels = {"mobile": _("Mobile"), "telephone": _("Telephone")}
        label = f"{contact.role} {contact.name} · {labels[field]}".strip()
    else:
        spec = next((f for s in layout_of(record_type_doc(record))["sections"]
                     for f in s["fields"] if f["key"] == field), None)
        if spec is None or (spec["type"] not in REVEALABLE and not spec.get("sensitive")):
            raise AppError("not_revealable", _("There is nothing to reveal here."),
                           field="field")
        value = (record.values or {}).get(field)
        label = spec["label"]
    if not value:
        raise AppError("not_revealable", _("There is nothing to reveal here."), field="field")
    audit_record(actor=acting_user, action="member.data_revealed", target=record, data={
        "member_number": record.membership.number, "field": field, "label": label,
        **({"contact": contact_id} if contact_id is not None else {})})
    return str(value)
