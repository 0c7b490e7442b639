"""Writes of the configuration. Every change, whether a whole profile import or one edit on
a staff screen, runs in one transaction, is audited with before and after, and ends by
recording a new ConfigurationRevision holding the whole configuration as a profile document.
"""

from __future__ import annotations

import base64
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from tenant_apps.configuration.crypto import encrypt
from tenant_apps.configuration.models import (
    AssociationSettings,
    Branch,
    ConfigurationRevision,
    Fee,
    FormField,
    FormPurpose,
    FormStep,
    MemberType,
    MessageTemplate,
    Notice,
    PaymentAccount,
    Rank,
    ReferralChannel,
    ReviewStep,
    UploadRequirement,
)
from tenant_apps.configuration.profile import (
    PAYMENT_SECRETS,
    ProfileError,
    load_profile_file,
    load_profile_text,
    validate_profile,
)
from tenant_apps.configuration.selectors import profile_export
from tenant_apps.portal.services import site_content_update


@transaction.atomic
def revision_record(*, acting_user, summary: str,
                    certificates: dict[str, dict] | None = None) -> ConfigurationRevision:
    """Snapshot the whole configuration. Checks it is still a valid profile: an edit that
    breaks a cross-rule (two types numbering alike, a chain out of order) is refused here and
    rolled back with the caller's transaction. `certificates`: the types' certificate
    sections (card, designs) when they change, by type code; otherwise the last revision's
    are carried on (they live in the revisions, tenant_apps/certificates/design.py)."""
    # One configuration change at a time: the certificate designs are carried on from the
    # newest revision, which must not change between reading it and writing the next.
    list(ConfigurationRevision.objects.select_for_update().order_by("-number")[:1])
    document = profile_export(include_files=False, certificates=certificates)
    validate_profile(document, filename=_("configuration"), base_dir=None,
                     skip_template_files=True)
    last = ConfigurationRevision.objects.select_for_update().aggregate(n=Max("number"))["n"]
    from huiji.sealed import forget_sensitive_keys

    forget_sensitive_keys()  # a field may have become (or stopped being) sensitive
    return ConfigurationRevision.objects.create(number=(last or 0) + 1, summary=summary[:200],
                                                created_by=acting_user if getattr(
                                                    acting_user, "pk", None) else None,
                                                document=document)


def profile_import_text(*, acting_user, text: str, filename: str) -> ConfigurationRevision:
    return profile_apply(acting_user=acting_user,
                         document=load_profile_text(text, filename=filename),
                         filename=filename)


def profile_import_file(*, acting_user, path: Path) -> ConfigurationRevision:
    return profile_apply(acting_user=acting_user, document=load_profile_file(path),
                         filename=path.name)


@transaction.atomic
def profile_apply(*, acting_user, document: dict, filename: str) -> ConfigurationRevision:
    """Apply a validated profile document to the current association, all or nothing.

    Codes identify things: a member type, branch, rank or upload with the same code is
    updated, new ones are created. What a file leaves out is deactivated (member types,
    branches, referral channels) rather than deleted, and history is only ever added to: fee
    rows and notice versions already published must match the file or the import is refused.
    """
    from huiji.pagecache import pages_changed

    problems: list[tuple[str, str]] = []
    before = profile_export(include_files=False)
    # the join and landing pages show the profile; rows deactivated below by update() send
    # no signal of their own
    pages_changed()

    settings_row = AssociationSettings.objects.first() or AssociationSettings()
    accounts = document["accounts"]
    settings_row.login_modes = accounts["login"]
    settings_row.signup_verification = accounts["signup_verification"]
    settings_row.password_min_length = accounts["password_rule"]["min_length"]
    settings_row.password_require_letter = accounts["password_rule"]["require_letter"]
    settings_row.password_require_digit = accounts["password_rule"]["require_digit"]
    settings_row.human_check = accounts["human_check"]
    settings_row.first_login = accounts.get("first_login", ["phone"])
    settings_row.invoice_borrowing = document["billing"]["invoice_borrowing"]
    settings_row.referral_required = document["referral_required"]
    settings_row.join_progress = document.get("join_progress", [])
    settings_row.marketplace = document.get("marketplace") or {"enabled": False}
    settings_row.save()
    site_content_update(acting_user=acting_user, **document["site"])
    from tenant_apps.announcements.services import settings_apply

    settings_apply(**document.get("announcements", {"enabled": False, "title": ""}))

    branches = _apply_branches(document["branches"])
    _apply_referrals(document["referral_channels"], branches)
    for index, spec in enumerate(document["member_types"]):
        _apply_member_type(spec, index, problems)
    MemberType.objects.exclude(code__in=[t["code"] for t in document["member_types"]]) \
        .update(active=False)
    _apply_notices(document["notices"], problems)
    _apply_templates(document["message_templates"])
    _apply_payment_accounts(document["payment_accounts"])
    from tenant_apps.roster.services import roster_settings_apply

    roster_settings_apply(document.get("roster"))
    from tenant_apps.council_forms.services import council_forms_apply
    from tenant_apps.submissions.services import submission_settings_apply

    submission_settings_apply(document["submissions"])
    council_forms_apply(document["council_forms"])
    from tenant_apps.privacy.texts import privacy_settings_apply

    privacy_settings_apply(document.get("privacy"))
    if problems:
        raise ProfileError(filename, problems)
    from tenant_apps.certificates.design import designs_store

    revision = revision_record(acting_user=acting_user,
                               summary=_("Imported %(file)s") % {"file": filename},
                               certificates=designs_store(document))
    audit_record(actor=acting_user, action="configuration.imported", target=revision,
                 data={"file": filename, "before": before, "after": revision.document})
    return revision


def _apply_branches(specs: list[dict]) -> dict[str, Branch]:
    by_code = {b.code: b for b in Branch.objects.all()}
    seen: set[str] = set()
    position = 0

    def walk(items: list[dict], parent: Branch | None) -> None:
        nonlocal position
        for spec in items:
            branch = by_code.get(spec["code"]) or Branch(code=spec["code"])
            branch.name, branch.kind = spec["name"], spec["kind"]
            branch.accepts_applications = spec["accepts_applications"]
            branch.parent, branch.position, branch.active = parent, position, True
            position += 1
            branch.save()
            by_code[branch.code] = branch
            seen.add(branch.code)
            walk(spec["children"], branch)

    walk(specs, None)
    Branch.objects.exclude(code__in=seen).update(active=False)
    return by_code


def _apply_referrals(specs: list[dict], branches: dict[str, Branch]) -> None:
    existing = {r.code: r for r in ReferralChannel.objects.all()}
    for position, spec in enumerate(specs):
        channel = existing.get(spec["code"]) or ReferralChannel(code=spec["code"])
        for field in ("label", "kind", "help", "referrer_must_be_valid",
                      "referrer_level_at_least_applicant"):
            setattr(channel, field, spec[field])
        channel.default_branch = branches.get(spec["default_branch"]) \
            if spec["default_branch"] else None
        channel.position, channel.active = position, True
        channel.save()
    ReferralChannel.objects.exclude(code__in=[s["code"] for s in specs]).update(active=False)


def _apply_member_type(spec: dict, index: int, problems: list) -> MemberType:
    path = f"member_types[{index}]"
    mtype = MemberType.objects.filter(code=spec["code"]).first() or MemberType(code=spec["code"])
    mtype.name, mtype.name_en, mtype.kind = spec["name"], spec["name_en"], spec["kind"]
    mtype.level, mtype.eligibility = spec["level"], spec["eligibility"]
    mtype.review_required, mtype.invoice = spec["review_required"], spec["invoice"]
    mtype.electronic_certificate = spec["certificate"]["electronic"]
    mtype.paper_certificate = spec["certificate"]["paper"]
    mtype.validity_rule, mtype.validity_field = spec["validity"]["rule"], \
        spec["validity"]["field"]
    mtype.next_year_from = spec["validity"].get("next_year_from") or ""
    mtype.suspend_after_months = spec["overdue"]["suspend_after_months"]
    mtype.lapse_after_months = spec["overdue"]["lapse_after_months"]
    mtype.lapse_at_end = spec["overdue"]["lapse_at_end"]
    mtype.after_lapse = spec["overdue"]["after_lapse"]
    renewal = spec["renewal"]
    mtype.renewal_opens_days = renewal["opens_days_before"]
    mtype.reminder_days = renewal["reminders_days_before"]
    mtype.remind_when_overdue = renewal["remind_when_overdue"]
    mtype.remind_before_suspension_days = renewal["remind_days_before_suspension"]
    mtype.remind_before_lapse_days = renewal["remind_days_before_lapse"]
    mtype.number_prefix = spec["number"]["prefix"]
    mtype.number_width = spec["number"]["width"]
    mtype.number_suffix = spec["number"]["suffix"]
    mtype.year_options = spec["years"]
    mtype.upgrade_pricing = spec["upgrade_pricing"]
    mtype.resume_after_rejection = spec["resume_after_rejection"]
    mtype.level_changes = spec["level_changes"]
    mtype.record_layout = spec.get("record") or {}
    mtype.position, mtype.active = index, spec["active"]
    mtype.save()

    ranks = {r.code: r for r in mtype.ranks.all()}
    for position, rank_spec in enumerate(spec["ranks"]):
        rank = ranks.get(rank_spec["code"]) or Rank(member_type=mtype, code=rank_spec["code"])
        rank.name, rank.position = rank_spec["name"], position
        rank.save()
        ranks[rank.code] = rank

    existing = {(f.rank.code if f.rank else None, f.effective_from.isoformat()): f
                for f in mtype.fees.select_related("rank")}
    for j, fee_spec in enumerate(spec["fees"]):
        key = (fee_spec["rank"], fee_spec["effective_from"])
        current = existing.get(key)
        if current is None:
            Fee.objects.create(member_type=mtype, rank=ranks.get(fee_spec["rank"]),
                               amount_fen=fee_spec["amount_fen"],
                               effective_from=fee_spec["effective_from"])
        elif current.amount_fen != fee_spec["amount_fen"]:
            problems.append((f"{path}.fees[{j}].amount_fen", _(
                "a fee in force from %(date)s is already %(amount)d fen; fee history is "
                "never rewritten: add a row with a later effective_from")
                % {"date": fee_spec["effective_from"], "amount": current.amount_fen}))

    mtype.form_steps.all().delete()
    for purpose in (FormPurpose.REGISTRATION, FormPurpose.APPLICATION):
        for position, step_spec in enumerate(spec[f"{purpose}_form"]["steps"]):
            step = FormStep.objects.create(member_type=mtype, purpose=purpose,
                                           title=step_spec["title"], position=position)
            FormField.objects.bulk_create([
                FormField(step=step, key=f["key"], label=f["label"], type=f["type"],
                          required=f["required"], help=f["help"], position=k,
                          options={o: v for o, v in f.items()
                                   if o not in ("key", "label", "type", "required", "help")})
                for k, f in enumerate(step_spec["fields"])])

    uploads = {u.key: u for u in mtype.uploads.all()}
    for position, up_spec in enumerate(spec["uploads"]):
        upload = uploads.pop(up_spec["key"], None) or UploadRequirement(member_type=mtype,
                                                                        key=up_spec["key"])
        for field in ("label", "required", "kinds", "formats", "max_size_mb", "max_count",
                      "template", "help"):
            setattr(upload, field, up_spec[field])
        upload.position = position
        if up_spec["template_data"]:
            content = base64.b64decode(up_spec["template_data"])
            unchanged = upload.template_file and upload.template_name == \
                up_spec["template_file"] and _file_bytes(upload) == content
            if not unchanged:
                upload.template_name = up_spec["template_file"]
                upload.template_file.save(up_spec["template_file"], ContentFile(content),
                                          save=False)
        elif not up_spec["template_file"]:
            upload.template_name = ""
            upload.template_file = ""
        upload.save()
    for stale in uploads.values():
        stale.delete()

    mtype.review_steps.all().delete()
    ReviewStep.objects.bulk_create([
        ReviewStep(member_type=mtype, position=k, **step) for k, step in
        enumerate(spec["review_chain"])])
    return mtype


def _file_bytes(upload: UploadRequirement) -> bytes | None:
    try:
        with upload.template_file.open("rb") as fh:
            return fh.read()
    except (OSError, ValueError):
        return None


def _apply_notices(specs: list[dict], problems: list) -> None:
    existing = {(n.kind, n.version): n for n in Notice.objects.all()}
    for i, spec in enumerate(specs):
        current = existing.get((spec["kind"], spec["version"]))
        if current is None:
            Notice.objects.create(**spec)
        elif (current.title, current.body) != (spec["title"], spec["body"]):
            problems.append((f"notices[{i}]", _(
                "version %(v)d of this notice is already published with another text; "
                "publish a new version instead") % {"v": spec["version"]}))


def _apply_templates(specs: list[dict]) -> None:
    keep = []
    for spec in specs:
        template, _created = MessageTemplate.objects.update_or_create(
            event=spec["event"], channel=spec["channel"],
            defaults={k: spec[k] for k in ("subject", "body", "provider_template",
                                           "recipients", "active")})
        keep.append(template.pk)
    MessageTemplate.objects.exclude(pk__in=keep).delete()


def _apply_payment_accounts(specs: list[dict]) -> None:
    for spec in specs:
        account = PaymentAccount.objects.filter(kind=spec["kind"]).first() \
            or PaymentAccount(kind=spec["kind"])
        account.display_name, account.enabled = spec["display_name"], spec["enabled"]
        account.settings = spec["settings"]
        account.save()  # secrets are left as they were


@transaction.atomic
def payment_secret_set(*, acting_user, account: PaymentAccount, name: str,
                       value: str) -> PaymentAccount:
    """Store one secret encrypted. The value is never logged or audited, only its name."""
    from huiji.errors import AppError

    if name not in PAYMENT_SECRETS.get(account.kind, set()):
        raise AppError("unknown_secret", _("This account has no secret of that name."),
                       field=name)
    account = PaymentAccount.objects.select_for_update().get(pk=account.pk)
    account.secrets = {**account.secrets, name: encrypt(value.strip())}
    account.save(update_fields=["secrets"])
    audit_record(actor=acting_user, action="payment_account.secret_set", target=account,
                 data={"secret": name})
    from tenant_apps.configuration.forms import SETTING_LABELS  # what staff read, not the key

    revision_record(acting_user=acting_user,
                    summary=_("Secret %(name)s of %(account)s changed")
                    % {"name": SETTING_LABELS.get(name, name), "account": account.display_name})
    return account



def _snapshot(obj) -> dict:
    """A JSON-able picture of one configuration row, for the audit log's before/after."""
    if obj is None:
        return {}
    data = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if field.name == "secrets":
            value = sorted(value)  # names only: secrets never reach the audit log
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(field, "upload_to"):
            value = str(value or "")
        elif not isinstance(value, str | int | float | bool | list | dict | type(None)):
            value = str(value)
        data[field.name] = value
    return data


@transaction.atomic
def config_change(*, acting_user, action: str, summary: str, instance, change):
    """Run one staff edit of the configuration: `change()` saves and returns the row. Audits
    before and after, then records a revision, which re-validates the whole configuration; a
    ProfileError from there rolls the edit back."""
    before = _snapshot(type(instance).objects.filter(pk=instance.pk).first()) \
        if instance.pk else {}
    obj = change()
    revision = revision_record(acting_user=acting_user, summary=summary)
    audit_record(actor=acting_user, action=action, target=obj,
                 data={"before": before, "after": _snapshot(obj), "revision": revision.number})
    return obj


def _siblings(obj):
    """The rows an object is ordered among."""
    model = type(obj)
    if isinstance(obj, FormField):
        return model.objects.filter(step_id=obj.step_id)
    if isinstance(obj, FormStep):
        return model.objects.filter(member_type_id=obj.member_type_id, purpose=obj.purpose)
    if isinstance(obj, UploadRequirement | ReviewStep | Rank):
        return model.objects.filter(member_type_id=obj.member_type_id)
    if isinstance(obj, Branch):
        return model.objects.filter(parent_id=obj.parent_id)
    return model.objects.all()


@transaction.atomic
def config_move(*, acting_user, instance, up: bool):
    """Move a row one place up or down among its siblings."""
    rows = list(_siblings(instance).select_for_update().order_by("position", "id"))
    index = next(i for i, row in enumerate(rows) if row.pk == instance.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return instance

    def change():
        rows[index], rows[other] = rows[other], rows[index]
        for position, row in enumerate(rows):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])
        return rows[other]

    return config_change(acting_user=acting_user, action="configuration.reordered",
                         summary=_("Reordered %(name)s") % {"name": instance},
                         instance=instance, change=change)


@transaction.atomic
def config_delete(*, acting_user, instance) -> None:
    """Remove a row that history does not depend on (form fields and steps, uploads, review
    steps, message templates, unused ranks). Member types, branches and referral channels
    are deactivated instead; fees and notices are history and are never removed."""
    from huiji.errors import AppError

    if isinstance(instance, MemberType | Branch | ReferralChannel):
        raise AppError("deactivate_instead", _("Deactivate it instead: it may be referred to "
                                               "by members and applications."))
    if isinstance(instance, Fee | Notice):
        raise AppError("history", _("Fees and published notices are history and stay."))
    if isinstance(instance, Rank) and instance.fees.exists():
        raise AppError("rank_has_fees", _("This rank has fees; it stays for their history."))
    before = _snapshot(instance)
    label = str(instance)
    instance.delete()
    revision = revision_record(acting_user=acting_user,
                               summary=_("Removed %(name)s") % {"name": label})
    audit_record(actor=acting_user, action="configuration.deleted", target=None,
                 data={"before": before, "model": type(instance).__name__,
                       "revision": revision.number})


@transaction.atomic
def fee_add(*, acting_user, member_type: MemberType, rank: Rank | None, amount_fen: int,
            effective_from) -> Fee:
    """A new fee from a date on. Earlier rows stay as they are: what was charged under them
    remains explainable."""
    fee = Fee(member_type=member_type, rank=rank, amount_fen=amount_fen,
              effective_from=effective_from)
    return config_change(
        acting_user=acting_user, action="fee.added", instance=fee,
        summary=_("Fee of %(type)s from %(date)s") % {"type": member_type,
                                                      "date": effective_from},
        change=lambda: (fee.save(), fee)[1])


@transaction.atomic
def notice_publish(*, acting_user, kind: str, title: str, body: str) -> Notice:
    """Publish the next version of a notice. Applicants who accepted an earlier version keep
    the record of the version they accepted."""
    last = Notice.objects.select_for_update().filter(kind=kind).aggregate(v=Max("version"))["v"]
    notice = Notice(kind=kind, title=title, body=body, version=(last or 0) + 1)
    return config_change(acting_user=acting_user, action="notice.published", instance=notice,
                         summary=_("Published %(title)s v%(v)d") % {"title": title,
                                                                    "v": notice.version},
                         change=lambda: (notice.save(), notice)[1])
