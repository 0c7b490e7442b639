"""Reads of the configuration: the profile document, fees in force, the join page."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenant_apps.configuration.models import (
    AssociationSettings,
    Branch,
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
    UploadRequirement,
)
from tenant_apps.configuration.profile import (
    BANK_DETAILS,
    FORMAT,
    PAYMENT_SECRETS_REQUIRED,
)
from tenant_apps.portal.selectors import site_content


def fee_in_force(fees: list[Fee], *, rank_id: int | None, on: dt.date) -> Fee | None:
    """The fee row in force on a date for a rank (None: the type's own fee), from the rows of
    one member type. Rows with a later effective_from than `on` are not yet in force."""
    candidates = [f for f in fees if f.rank_id == rank_id and f.effective_from <= on]
    return max(candidates, key=lambda f: f.effective_from, default=None)


@dataclass(frozen=True)
class PriceLine:
    years: int
    amount_fen: int


def fee_preview(member_type: MemberType, *, rank: Rank | None = None,
                on: dt.date | None = None) -> list[PriceLine]:
    """What a member is charged for each allowed number of years, by the fee in force on
    `on` (default today)."""
    on = on or timezone.localdate()
    fee = fee_in_force(list(member_type.fees.all()), rank_id=rank.pk if rank else None, on=on)
    if fee is None:
        return []
    return [PriceLine(years, fee.amount_fen * years) for years in member_type.year_options]


def member_types_for_join() -> list[MemberType]:
    """Open member types with everything the join page shows, in a fixed number of queries."""
    return list(MemberType.objects.filter(active=True).prefetch_related(
        "ranks",
        Prefetch("fees", queryset=Fee.objects.order_by("-effective_from")),
        Prefetch("uploads", queryset=UploadRequirement.objects.order_by("position", "id")),
        "review_steps",
    ))


def current_notices() -> dict[str, Notice]:
    """The newest version of each kind of notice."""
    latest: dict[str, Notice] = {}
    for notice in Notice.objects.order_by("kind", "-version"):
        latest.setdefault(notice.kind, notice)
    return latest


def branch_tree(*, active_only: bool = True) -> list[dict]:
    rows = Branch.objects.all()
    if active_only:
        rows = rows.filter(active=True)
    nodes = {b.pk: {"branch": b, "children": []} for b in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["branch"].parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


def profile_export(*, include_files: bool = True,
                   certificates: dict[str, dict] | None = None) -> dict:
    """The whole configuration of the current association as a profile document (the format
    of docs/profiles.md), ready to be written as YAML and imported elsewhere. The types'
    certificate designs come from the newest revision unless `certificates` gives them."""
    from huiji.tenancy.current import current_association
    from tenant_apps.certificates.design import certificate_sections, section_exported

    association = current_association()
    content = site_content()
    settings_row = AssociationSettings.objects.first() or AssociationSettings(
        login_modes=["phone_password"])
    document: dict = {
        "format": FORMAT,
        "association": {"name": association.name if association else "",
                        "short_name": association.short_name if association else ""},
        "site": {k: getattr(content, k) for k in ("name_en", "tagline", "intro",
                                                  "contact_phone", "contact_email",
                                                  "address", "website")},
        "accounts": {
            "login": list(settings_row.login_modes),
            "signup_verification": settings_row.signup_verification,
            "password_rule": {"min_length": settings_row.password_min_length,
                              "require_letter": settings_row.password_require_letter,
                              "require_digit": settings_row.password_require_digit},
            "human_check": settings_row.human_check,
            "first_login": list(settings_row.first_login),
        },
        "billing": {"invoice_borrowing": settings_row.invoice_borrowing},
    }

    def branch_doc(node: dict) -> dict:
        b = node["branch"]
        return {"code": b.code, "name": b.name, "kind": b.kind,
                "accepts_applications": b.accepts_applications,
                "children": [branch_doc(n) for n in node["children"]]}

    document["branches"] = [branch_doc(n) for n in branch_tree()]
    document["referral_required"] = settings_row.referral_required
    document["join_progress"] = list(settings_row.join_progress or [])
    from tenant_apps.marketplace import config as marketplace_config

    document["marketplace"] = marketplace_config.export(settings_row.marketplace)
    from tenant_apps.council_forms.services import council_forms_exported
    from tenant_apps.submissions.selectors import settings_row as submission_settings

    submissions = submission_settings()
    document["submissions"] = {"enabled": submissions.enabled,
                               "max_size_mb": submissions.max_size_mb,
                               "member_types": list(submissions.member_types),
                               "intro": submissions.intro,
                               "requirements": list(submissions.requirements)}
    document["council_forms"] = council_forms_exported()
    from tenant_apps.privacy.texts import privacy_exported

    document["privacy"] = privacy_exported()
    document["referral_channels"] = [
        {"code": r.code, "label": r.label, "kind": r.kind, "help": r.help,
         "referrer_must_be_valid": r.referrer_must_be_valid,
         "referrer_level_at_least_applicant": r.referrer_level_at_least_applicant,
         "default_branch": r.default_branch.code if r.default_branch else None}
        for r in ReferralChannel.objects.filter(active=True).select_related("default_branch")]
    steps = FormStep.objects.prefetch_related(
        Prefetch("fields", queryset=FormField.objects.order_by("position", "id")))
    types = MemberType.objects.prefetch_related(
        "ranks", Prefetch("fees", queryset=Fee.objects.select_related("rank")
                          .order_by("rank__position", "rank_id", "effective_from")),
        Prefetch("form_steps", queryset=steps), "uploads", "review_steps")
    sections = certificate_sections() if certificates is None else certificates
    document["member_types"] = [_type_doc(t, include_files) for t in types]
    for entry in document["member_types"]:
        section = sections.get(entry["code"]) or {}
        entry["certificate"]["card"] = bool(section.get("card"))
        designs = {"designs": dict(section.get("designs") or {})}
        entry["certificate"].update(section_exported(designs) if include_files else designs)
    document["notices"] = [{"kind": n.kind, "version": n.version, "title": n.title,
                            "body": n.body} for n in Notice.objects.order_by("kind", "version")]
    document["message_templates"] = [
        {"event": t.event, "channel": t.channel, "subject": t.subject, "body": t.body,
         "provider_template": t.provider_template, "recipients": t.recipients,
         "active": t.active}
        for t in MessageTemplate.objects.all()]
    document["payment_accounts"] = [
        {"kind": a.kind, "display_name": a.display_name, "enabled": a.enabled, **a.settings}
        for a in PaymentAccount.objects.all()]
    from tenant_apps.roster.selectors import roster_exported

    document["roster"] = roster_exported()
    from tenant_apps.announcements.selectors import settings_row

    announcements = settings_row()
    document["announcements"] = {"enabled": announcements.enabled,
                                 "title": announcements.title}
    return document


def _type_doc(t: MemberType, include_files: bool) -> dict:
    def form(purpose: str) -> dict:
        return {"steps": [
            {"title": s.title, "fields": [
                {"key": f.key, "label": f.label, "type": f.type, "required": f.required,
                 "help": f.help, **f.options} for f in s.fields.all()]}
            for s in t.form_steps.all() if s.purpose == purpose]}

    uploads = []
    for u in t.uploads.all():
        entry = {"key": u.key, "label": u.label, "required": u.required, "kinds": list(u.kinds),
                 "formats": list(u.formats),
                 "max_size_mb": u.max_size_mb, "max_count": u.max_count,
                 "template": u.template, "help": u.help}
        if u.template == UploadRequirement.Template.BLANK:
            entry["template_file"] = u.template_name
            if include_files and u.template_file:
                with u.template_file.open("rb") as fh:
                    entry["template_data"] = base64.b64encode(fh.read()).decode("ascii")
        uploads.append(entry)
    return {
        "code": t.code, "name": t.name, "name_en": t.name_en, "kind": t.kind,
        "level": t.level, "eligibility": t.eligibility, "review_required": t.review_required,
        "certificate": {"electronic": t.electronic_certificate, "paper": t.paper_certificate},
        "invoice": t.invoice,
        "validity": {"rule": t.validity_rule, "field": t.validity_field or None,
                     **({"next_year_from": t.next_year_from} if t.next_year_from else {})},
        "overdue": {"suspend_after_months": t.suspend_after_months,
                    "lapse_after_months": t.lapse_after_months,
                    "lapse_at_end": t.lapse_at_end, "after_lapse": t.after_lapse},
        "renewal": {"opens_days_before": t.renewal_opens_days,
                    "reminders_days_before": sorted(t.reminder_days, reverse=True),
                    "remind_when_overdue": t.remind_when_overdue,
                    "remind_days_before_suspension": t.remind_before_suspension_days,
                    "remind_days_before_lapse": t.remind_before_lapse_days},
        "number": {"prefix": t.number_prefix, "width": t.number_width,
                   "suffix": t.number_suffix},
        "years": list(t.year_options),
        "upgrade_pricing": t.upgrade_pricing,
        "resume_after_rejection": t.resume_after_rejection,
        "level_changes": list(t.level_changes),
        "record": t.record_layout or {},
        "active": t.active,
        "ranks": [{"code": r.code, "name": r.name} for r in t.ranks.all()],
        "fees": [{"rank": f.rank.code if f.rank else None, "amount_fen": f.amount_fen,
                  "effective_from": f.effective_from.isoformat()} for f in t.fees.all()],
        "registration_form": form(FormPurpose.REGISTRATION),
        "application_form": form(FormPurpose.APPLICATION),
        "uploads": uploads,
        "review_chain": [{"name": s.name, "role": s.role, "stage": s.stage,
                          "branch_routed": s.branch_routed} for s in t.review_steps.all()],
    }


def review_steps_unstaffed(member_type: MemberType) -> dict[int, list[str] | None]:
    """The review steps of `member_type` nobody can decide ("无人负责此环节"), by step id:
    the names of the branches without an active administrator for a branch-routed step
    (an empty list when HQ's fallback role is held by nobody), None where the step is staffed.
    HQ administrators may decide such steps (accounts/capabilities.py, review.unstaffed)."""
    from tenant_apps.accounts import capabilities
    from tenant_apps.configuration.models import ReviewRole

    held = capabilities.held_roles()
    branches = None
    out: dict[int, list[str] | None] = {}
    for step in member_type.review_steps.all():
        if step.branch_routed:
            if branches is None:
                branches = list(Branch.objects.filter(active=True, accepts_applications=True)
                                .exclude(kind=Branch.Kind.HQ).prefetch_related("admins"))
            names = [b.name for b in branches if not capabilities.branch_staffed(b)]
            hq_missing = capabilities.step_unstaffed(role=ReviewRole.HQ_REVIEWER, held=held)
            out[step.pk] = names if names or hq_missing else None
        elif step.role == ReviewRole.BRANCH_ADMIN:
            out[step.pk] = []  # a branch step that goes to no branch
        else:
            out[step.pk] = [] if capabilities.step_unstaffed(role=step.role, held=held) \
                else None
    return out


# --- the ways to pay ------------------------------------------------------------------------

BANK_ROWS = (("account_name", _("Account name")), ("account_number", _("Account number")),
             ("bank_name", _("Bank")), ("bank_branch", _("Branch location")))


def _bank_usable(account: PaymentAccount | None) -> PaymentAccount | None:
    if account is None or not account.enabled or \
            not all(account.settings.get(k) for k in BANK_DETAILS):
        return None
    return account


ONLINE_SETTINGS = {"wechat": ("merchant_id", "app_id", "merchant_serial_no",
                              "platform_serial_no"), "alipay": ("app_id",)}


def _online_usable(account: PaymentAccount | None) -> PaymentAccount | None:
    if account is None or not account.enabled:
        return None
    if not all(account.settings.get(k) for k in ONLINE_SETTINGS[account.kind]) or \
            not PAYMENT_SECRETS_REQUIRED[account.kind] <= set(account.secrets):
        return None
    return account


def bank_account() -> PaymentAccount | None:
    """The bank account payers transfer to: only when enabled and complete (户名, 账号,
    开户行), never a transfer without an account."""
    return _bank_usable(PaymentAccount.objects.filter(kind=PaymentAccount.Kind.BANK).first())


def online_account(kind: str) -> PaymentAccount | None:
    """An online account members can pay with: enabled, with its settings and keys."""
    return _online_usable(PaymentAccount.objects.filter(kind=kind).first())


@dataclass(frozen=True)
class PaymentMethods:
    wechat: PaymentAccount | None
    alipay: PaymentAccount | None
    bank: PaymentAccount | None

    @property
    def any(self) -> bool:
        return bool(self.wechat or self.alipay or self.bank)

    @property
    def bank_rows(self) -> list[tuple[str, str]]:
        """(label, value) of the transfer box: 户名, 账号, 开户行 (and where it is)."""
        if self.bank is None:
            return []
        return [(str(label), self.bank.settings[key]) for key, label in BANK_ROWS
                if self.bank.settings.get(key)]


def payment_methods() -> PaymentMethods:
    """The ways to pay this association offers now: each configured and enabled (one
    query)."""
    accounts = {a.kind: a for a in PaymentAccount.objects.filter(enabled=True)}
    return PaymentMethods(_online_usable(accounts.get("wechat")),
                          _online_usable(accounts.get("alipay")),
                          _bank_usable(accounts.get("bank")))


def fee_is_due(mtype: MemberType, on: dt.date) -> bool:
    """Whether a member type has a fee above 0 in force for any of its ranks (from its
    prefetched fees and ranks)."""
    fees = list(mtype.fees.all())
    ranks = [r.pk for r in mtype.ranks.all()] or [None]
    return any((fee := fee_in_force(fees, rank_id=r, on=on)) and fee.amount_fen > 0
               for r in ranks)


def fee_types_unpayable() -> list[str]:
    """Codes of member types with a fee that nobody can pay yet (no way to pay is set up):
    the configuration overview warns, the join page does not offer them as payable."""
    from django.utils import timezone

    from tenant_apps.configuration.models import MemberType

    if payment_methods().any:
        return []
    today = timezone.localdate()
    return [t.code for t in MemberType.objects.filter(active=True).prefetch_related(
        "fees", "ranks") if fee_is_due(t, today)]


def payment_warnings() -> list[str]:
    """What the configuration overview warns of: fee types nobody can pay yet, and enabled
    accounts members cannot use (an online account without its keys, a bank account
    without 户名, 账号 or 开户行)."""
    from django.utils.translation import gettext

    warnings = []
    unpayable = fee_types_unpayable()
    if unpayable:
        names = "、".join(MemberType.objects.filter(code__in=unpayable).order_by(
            "position").values_list("name", flat=True))
        warnings.append(gettext("No way to pay is set up: members cannot pay the fee of "
                                "%(types)s, and the join page does not offer them as "
                                "payable.") % {"types": names})
    for account in PaymentAccount.objects.filter(enabled=True):
        usable = bank_account() if account.kind == PaymentAccount.Kind.BANK else \
            online_account(account.kind)
        if usable is None:
            warnings.append(gettext("%(account)s is enabled but not complete (its details or "
                                    "keys are missing): members are not offered it.")
                            % {"account": account.display_name})
    return warnings
