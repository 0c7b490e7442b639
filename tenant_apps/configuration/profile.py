"""Profile documents: validation of the YAML format described in docs/profiles.md.

`load_profile_text` parses and validates a whole file and returns it normalised, or raises
`ProfileError` listing every problem as "file: path: rule" (for example
`cmes.yaml: member_types[1].fees[0].amount_fen: must be a whole number of fen, 0 or more`).
Nothing here touches the database; `services.profile_apply` applies a validated document.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import string
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from huiji.errors import AppError
from tenant_apps.certificates.design import certificate_checked
from tenant_apps.configuration.fieldtypes import CHOICE_SOURCES, OPTIONS, normalize_choices
from tenant_apps.configuration.models import (
    FEE_MAX_FEN,
    AfterLapse,
    Branch,
    FieldType,
    MemberKind,
    MessageChannel,
    MessageEvent,
    MessageRecipients,
    Notice,
    PaymentAccount,
    ResumeAfterRejection,
    ReviewRole,
    ReviewStage,
    UpgradePricing,
    UploadKind,
    UploadRequirement,
    ValidityRule,
)
from tenant_apps.notifications.events import EVENTS, event_variables

FORMAT = "huiji-profile/1"
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NUMBER_AFFIX = re.compile(r"^[A-Za-z0-9-]{0,10}$")
LOGIN_MODES = {"phone_password", "email_password", "phone_sms", "name_password",
               "username_password"}
SIGNUP_VERIFICATION = {"sms", "email", "none"}
HUMAN_CHECK = {"always", "failed_logins", "never"}
# What an imported member may give on the 首次登录 page to be sent a code (never a password).
FIRST_LOGIN = ("phone", "name", "number")
PAYMENT_SETTINGS = {
    PaymentAccount.Kind.BANK: {"account_name", "bank_name", "account_number", "bank_branch"},
    PaymentAccount.Kind.WECHAT: {"merchant_id", "app_id", "merchant_serial_no",
                                 "platform_serial_no", "notify_host", "gateway_url"},
    PaymentAccount.Kind.ALIPAY: {"app_id", "seller_id", "notify_host", "gateway_url"},
}
PAYMENT_SECRETS = {
    PaymentAccount.Kind.BANK: set(),
    # app_secret: the official account's AppSecret, for WeChat's OAuth (the payer's OpenID
    # for JSAPI, paying inside WeChat); optional, without it JSAPI is not offered.
    PaymentAccount.Kind.WECHAT: {"api_v3_key", "merchant_private_key", "platform_public_key",
                                 "app_secret"},
    PaymentAccount.Kind.ALIPAY: {"app_private_key", "alipay_public_key"},
}
PAYMENT_SECRETS_OPTIONAL = {PaymentAccount.Kind.WECHAT: {"app_secret"}}
PAYMENT_SECRETS_REQUIRED = {kind: names - PAYMENT_SECRETS_OPTIONAL.get(kind, set())
                            for kind, names in PAYMENT_SECRETS.items()}
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class ProfileError(AppError):
    def __init__(self, filename: str, problems: list[tuple[str, str]]):
        self.filename = filename
        self.problems = problems
        lines = [f"{filename}: {path}: {rule}" if path else f"{filename}: {rule}"
                 for path, rule in problems]
        super().__init__("profile_invalid", "\n".join(lines), status=400,
                         details={"file": filename,
                                  "problems": [{"path": p, "rule": r} for p, r in problems]})


class _Checker:
    """Walks a document, recording (path, rule) problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, rule: str) -> None:
        self.problems.append((path, rule))

    def mapping(self, value: Any, path: str, allowed: set[str],
                required: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.fail(path, _("must be a mapping (key: value)"))
            return {}
        for key in value:
            if key not in allowed:
                self.fail(f"{path}.{key}" if path else str(key), _("is not a known key"))
        for key in sorted(required):
            if key not in value or value[key] in (None, ""):
                self.fail(f"{path}.{key}" if path else key, _("is required"))
        return value

    def listing(self, value: Any, path: str, *, required: bool = False) -> list:
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.fail(path, _("must be a list"))
            return []
        if required and not value:
            self.fail(path, _("must not be empty"))
        return value

    def text(self, value: Any, path: str, *, required: bool = False,
             max_length: int = 200) -> str:
        if value is None or value == "":
            if required:
                self.fail(path, _("is required"))
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(path, _("must be text"))
            return ""
        text = str(value)
        if len(text) > max_length:
            self.fail(path, _("must be at most %(n)d characters") % {"n": max_length})
        return text

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(path, _("must be true or false"))
            return default
        return value

    def integer(self, value: Any, path: str, *, low: int | None = None,
                high: int | None = None, required: bool = False,
                rule: str | None = None) -> int | None:
        if value is None:
            if required:
                self.fail(path, _("is required"))
            return None
        if isinstance(value, bool) or not isinstance(value, int) \
                or (low is not None and value < low) or (high is not None and value > high):
            if rule:
                self.fail(path, rule)
            elif high is None:
                self.fail(path, _("must be a whole number, %(low)s or more") % {"low": low})
            else:
                self.fail(path, _("must be a whole number from %(low)s to %(high)s")
                          % {"low": low, "high": high})
            return None
        return value

    def choice(self, value: Any, path: str, allowed, *, default: str | None = None) -> str:
        if value is None and default is not None:
            return default
        allowed = sorted(str(a) for a in allowed)
        if value not in allowed:
            self.fail(path, _("must be one of: %(allowed)s") % {"allowed": ", ".join(allowed)})
            return default or ""
        return value

    def code(self, value: Any, path: str, seen: set[str]) -> str:
        if not isinstance(value, str) or not CODE.match(value):
            self.fail(path, _("must be a code of lowercase letters, digits and _, starting "
                              "with a letter"))
            return ""
        if value in seen:
            self.fail(path, _("repeats the code %(code)s") % {"code": value})
        seen.add(value)
        return value

    def date(self, value: Any, path: str, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            self.fail(path, _("must be a date written YYYY-MM-DD"))
            return ""


Checker = _Checker  # public: the certificate design's checks (certificates/design.py) use it


def load_profile_text(text: str, *, filename: str, base_dir: Path | None = None,
                      require_payment: bool = True) -> dict:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProfileError(filename, [(where, _("is not valid YAML: %(problem)s")
                                       % {"problem": getattr(exc, "problem", exc)})]) from exc
    return validate_profile(document, filename=filename, base_dir=base_dir,
                            require_payment=require_payment)


def load_profile_file(path: Path, *, require_payment: bool = True) -> dict:
    return load_profile_text(path.read_text(encoding="utf-8"), filename=path.name,
                             base_dir=path.parent, require_payment=require_payment)


def validate_profile(document: Any, *, filename: str, base_dir: Path | None = None,
                     skip_template_files: bool = False, require_payment: bool = True) -> dict:
    """The normalised document, or ProfileError with every problem found. Without
    `require_payment` (a bundled starting profile, whose bank account is given at
    onboarding) a fee type may lack a way to pay; every applied configuration has one."""
    c = _Checker()
    top = c.mapping(document, "", {"format", "association", "site", "accounts", "billing",
                                   "branches", "referral_required", "join_progress",
                                   "referral_channels", "member_types", "notices",
                                   "message_templates", "payment_accounts", "roster",
                                   "marketplace", "announcements",
                                   "submissions", "council_forms", "privacy"},
                    required={"format", "association"})
    if top and top.get("format") != FORMAT:
        c.fail("format", _("must be %(format)s") % {"format": FORMAT})
    out: dict[str, Any] = {"format": FORMAT}

    association = c.mapping(top.get("association", {}), "association", {"name", "short_name"},
                            required={"name"})
    out["association"] = {"name": c.text(association.get("name"), "association.name",
                                          required=True),
                          "short_name": c.text(association.get("short_name"),
                                               "association.short_name", max_length=40)}
    out["site"] = _site(c, top.get("site") or {})
    out["accounts"] = _accounts(c, top.get("accounts") or {})
    billing = c.mapping(top.get("billing") or {}, "billing", {"invoice_borrowing"})
    out["billing"] = {"invoice_borrowing": c.boolean(billing.get("invoice_borrowing"),
                                                     "billing.invoice_borrowing", False)}
    branch_codes: set[str] = set()
    out["branches"] = _branches(c, top.get("branches"), "branches", branch_codes)
    out["referral_channels"] = _referrals(c, top.get("referral_channels"), branch_codes)
    # CMES marks 推荐渠道 required (*): the applicant must choose a channel.
    out["referral_required"] = c.boolean(top.get("referral_required"), "referral_required",
                                         False)
    if out["referral_required"] and not out["referral_channels"]:
        c.fail("referral_required", _("needs at least one referral channel to choose from"))
    out["join_progress"] = _join_progress(c, top.get("join_progress"))
    out["member_types"] = _member_types(c, top.get("member_types"), base_dir,
                                        skip_template_files)
    for i, member_type in enumerate(out["member_types"]):
        if len(contact_groups(member_type)) > 1:
            c.fail(f"member_types[{i}]", _("marks more than one group field as its contacts"))
    from tenant_apps.roster.columns import roster_checked

    out["roster"] = roster_checked(c, top.get("roster"), out["member_types"])
    out["submissions"] = _submissions(c, top.get("submissions"), out["member_types"])
    out["council_forms"] = _council_forms(c, top.get("council_forms"), out["member_types"])
    out["notices"] = _notices(c, top.get("notices"))
    out["message_templates"] = _templates(c, top.get("message_templates"),
                                          contacts=any(contact_groups(t)
                                                       for t in out["member_types"]))
    out["payment_accounts"] = _payment_accounts(c, top.get("payment_accounts"))
    from tenant_apps.marketplace import config as marketplace_config

    out["marketplace"] = marketplace_config.validate(c, top.get("marketplace"))
    out["announcements"] = _announcements(c, top.get("announcements"))
    from tenant_apps.privacy.texts import privacy_checked

    out["privacy"] = privacy_checked(c, top.get("privacy"))
    _bank_details(c, out)
    if require_payment:
        _a_way_to_pay(c, out)
    if c.problems:
        raise ProfileError(filename, c.problems)
    return out


# Where an application can be on its way to membership; a progress stage covers some of them.
JOIN_PHASES = ("account", "form", "uploads", "review", "payment", "joined")
JOIN_PHASES_REQUIRED = ("form", "review", "payment")


def _join_progress(c: _Checker, items: Any) -> list[dict]:
    """The stages of the applicant's progress bar, as the manual draws them (Jiangsu: 填报信息
    - 缴纳会费 - 入会成功; CAQ: 注册账号 - 填写入会申请表 - 打印盖章并上传 - 缴费并等待审核).
    Each stage names the phases it covers, so that the review counts as part of the stage in
    which it happens; none listed means no bar."""
    out: list[dict] = []
    seen: set[str] = set()
    for i, raw in enumerate(c.listing(items, "join_progress")):
        p = f"join_progress[{i}]"
        item = c.mapping(raw, p, {"label", "covers"}, required={"label", "covers"})
        covers = c.listing(item.get("covers"), f"{p}.covers", required=True)
        phases = []
        for j, phase in enumerate(covers):
            phase = c.choice(phase, f"{p}.covers[{j}]", JOIN_PHASES)
            if phase in seen:
                c.fail(f"{p}.covers[{j}]", _("is already covered by another stage"))
            seen.add(phase)
            phases.append(phase)
        out.append({"label": c.text(item.get("label"), f"{p}.label", required=True,
                                    max_length=40), "covers": phases})
    if out:
        for phase in JOIN_PHASES_REQUIRED:
            if phase not in seen:
                c.fail("join_progress", _("no stage covers %(phase)s") % {"phase": phase})
    return out


def _announcements(c: _Checker, raw: Any) -> dict:
    """公告动态 (seed 001) / 活动通告 (CAQ): on or off, and the heading the manual uses
    (tenant_apps/announcements). Left out: off."""
    item = c.mapping(raw if raw is not None else {}, "announcements", {"enabled", "title"})
    return {"enabled": c.boolean(item.get("enabled"), "announcements.enabled", False),
            "title": c.text(item.get("title"), "announcements.title", max_length=20)}


def _site(c: _Checker, site: Any) -> dict:
    keys = {"name_en", "tagline", "intro", "contact_phone", "contact_email", "address",
            "website"}
    site = c.mapping(site, "site", keys)
    out = {k: c.text(site.get(k), f"site.{k}", max_length=5000 if k == "intro" else 200)
           for k in keys}
    if out["contact_email"]:
        try:
            validate_email(out["contact_email"])
        except ValidationError:
            c.fail("site.contact_email", _("must be an email address"))
    if out["website"]:
        try:
            URLValidator(schemes=["http", "https"])(out["website"])
        except ValidationError:
            c.fail("site.website", _("must be a web address starting with http(s)://"))
    return out


def _accounts(c: _Checker, accounts: Any) -> dict:
    accounts = c.mapping(accounts, "accounts", {"login", "signup_verification",
                                                "password_rule", "human_check",
                                                "first_login"})
    login = c.listing(accounts.get("login", ["phone_password"]), "accounts.login",
                      required=True)
    for i, mode in enumerate(login):
        c.choice(mode, f"accounts.login[{i}]", LOGIN_MODES)
    first_login = [str(k) for k in c.listing(accounts.get("first_login", ["phone"]),
                                             "accounts.first_login")]
    for i, kind in enumerate(first_login):
        c.choice(kind, f"accounts.first_login[{i}]", FIRST_LOGIN)
    if len(set(first_login)) != len(first_login):
        c.fail("accounts.first_login", _("names a way twice"))
    rule = c.mapping(accounts.get("password_rule") or {}, "accounts.password_rule",
                     {"min_length", "require_letter", "require_digit"})
    return {
        "login": list(login),
        "signup_verification": c.choice(accounts.get("signup_verification"),
                                        "accounts.signup_verification", SIGNUP_VERIFICATION,
                                        default="sms"),
        "password_rule": {
            "min_length": c.integer(rule.get("min_length", 8),
                                    "accounts.password_rule.min_length", low=6, high=64) or 8,
            "require_letter": c.boolean(rule.get("require_letter"),
                                        "accounts.password_rule.require_letter", True),
            "require_digit": c.boolean(rule.get("require_digit"),
                                       "accounts.password_rule.require_digit", True),
        },
        "human_check": c.choice(accounts.get("human_check"), "accounts.human_check",
                                HUMAN_CHECK, default="failed_logins"),
        "first_login": first_login,
    }


def _branches(c: _Checker, items: Any, path: str, seen: set[str]) -> list[dict]:
    out = []
    for i, raw in enumerate(c.listing(items, path)):
        p = f"{path}[{i}]"
        item = c.mapping(raw, p, {"code", "name", "kind", "accepts_applications", "children"},
                         required={"code", "name"})
        out.append({
            "code": c.code(item.get("code"), f"{p}.code", seen),
            "name": c.text(item.get("name"), f"{p}.name", required=True, max_length=100),
            "kind": c.choice(item.get("kind"), f"{p}.kind", Branch.Kind.values,
                             default=Branch.Kind.OTHER),
            "accepts_applications": c.boolean(item.get("accepts_applications"),
                                              f"{p}.accepts_applications", False),
            "children": _branches(c, item.get("children"), f"{p}.children", seen),
        })
    return out


def _referrals(c: _Checker, items: Any, branch_codes: set[str]) -> list[dict]:
    out, seen = [], set()
    from tenant_apps.configuration.models import ReferralChannel

    for i, raw in enumerate(c.listing(items, "referral_channels")):
        p = f"referral_channels[{i}]"
        item = c.mapping(raw, p, {"code", "label", "kind", "help", "referrer_must_be_valid",
                                  "referrer_level_at_least_applicant", "default_branch"},
                         required={"code", "label", "kind"})
        default_branch = item.get("default_branch")
        if default_branch is not None and default_branch not in branch_codes:
            c.fail(f"{p}.default_branch", _("names no branch of this profile"))
        out.append({
            "code": c.code(item.get("code"), f"{p}.code", seen),
            "label": c.text(item.get("label"), f"{p}.label", required=True, max_length=100),
            "kind": c.choice(item.get("kind"), f"{p}.kind", ReferralChannel.Kind.values),
            "help": c.text(item.get("help"), f"{p}.help", max_length=1000),
            "referrer_must_be_valid": c.boolean(item.get("referrer_must_be_valid"),
                                                f"{p}.referrer_must_be_valid", True),
            "referrer_level_at_least_applicant": c.boolean(
                item.get("referrer_level_at_least_applicant"),
                f"{p}.referrer_level_at_least_applicant", False),
            "default_branch": default_branch,
        })
    return out


def _renewal(c: _Checker, renewal: dict, p: str) -> dict:
    """When renewal opens and which reminders go out (docs/lifecycle.md)."""
    days = c.listing(renewal.get("reminders_days_before", [30, 7]),
                     f"{p}.reminders_days_before")
    for j, day in enumerate(days):
        c.integer(day, f"{p}.reminders_days_before[{j}]", low=1, high=366)
    return {
        "opens_days_before": c.integer(renewal.get("opens_days_before"),
                                       f"{p}.opens_days_before", low=1, high=366),
        "reminders_days_before": sorted({d for d in days if isinstance(d, int)}, reverse=True),
        "remind_when_overdue": c.boolean(renewal.get("remind_when_overdue"),
                                         f"{p}.remind_when_overdue", True),
        "remind_days_before_suspension": c.integer(
            renewal.get("remind_days_before_suspension"),
            f"{p}.remind_days_before_suspension", low=1, high=366),
        "remind_days_before_lapse": c.integer(renewal.get("remind_days_before_lapse"),
                                              f"{p}.remind_days_before_lapse", low=1,
                                              high=366),
    }


def _member_types(c: _Checker, items: Any, base_dir: Path | None,
                  skip_template_files: bool) -> list[dict]:
    out, seen, numbering = [], set(), {}
    keys = {"code", "name", "name_en", "kind", "level", "eligibility", "review_required",
            "certificate", "invoice", "validity", "overdue", "number", "years",
            "upgrade_pricing", "resume_after_rejection", "ranks", "fees", "registration_form",
            "renewal",
            "application_form", "uploads", "review_chain", "active", "level_changes", "record"}
    # An association may start with no member type (configured later on its screens).
    for i, raw in enumerate(c.listing(items, "member_types")):
        p = f"member_types[{i}]"
        item = c.mapping(raw, p, keys, required={"code", "name", "kind", "fees"})
        code = c.code(item.get("code"), f"{p}.code", seen)
        validity = c.mapping(item.get("validity") or {}, f"{p}.validity",
                             {"rule", "field", "next_year_from"})
        overdue = c.mapping(item.get("overdue") or {}, f"{p}.overdue",
                            {"suspend_after_months", "lapse_after_months", "lapse_at_end",
                             "after_lapse"})
        renewal = c.mapping(item.get("renewal") or {}, f"{p}.renewal",
                            {"opens_days_before", "reminders_days_before", "remind_when_overdue",
                             "remind_days_before_suspension", "remind_days_before_lapse"})
        number = c.mapping(item.get("number") or {}, f"{p}.number",
                           {"prefix", "width", "suffix"})
        entry: dict[str, Any] = {
            "code": code,
            "name": c.text(item.get("name"), f"{p}.name", required=True, max_length=100),
            "name_en": c.text(item.get("name_en"), f"{p}.name_en", max_length=100),
            "kind": c.choice(item.get("kind"), f"{p}.kind", MemberKind.values),
            "level": c.integer(item.get("level", 1), f"{p}.level", low=1, high=100) or 1,
            "eligibility": c.text(item.get("eligibility"), f"{p}.eligibility",
                                  max_length=5000),
            "review_required": c.boolean(item.get("review_required"), f"{p}.review_required",
                                         True),
            "certificate": certificate_checked(
                c, item.get("certificate"), f"{p}.certificate",
                member_kind=item.get("kind") if isinstance(item.get("kind"), str) else "",
                base_dir=base_dir, stored=skip_template_files),
            "invoice": c.boolean(item.get("invoice"), f"{p}.invoice", True),
            "validity": {"rule": c.choice(validity.get("rule"), f"{p}.validity.rule",
                                          ValidityRule.values,
                                          default=ValidityRule.CALENDAR_YEAR),
                         "field": validity.get("field") or ""},
            "overdue": {
                "suspend_after_months": c.integer(overdue.get("suspend_after_months"),
                                                  f"{p}.overdue.suspend_after_months",
                                                  low=1, high=120),
                "lapse_after_months": c.integer(overdue.get("lapse_after_months"),
                                                f"{p}.overdue.lapse_after_months",
                                                low=1, high=240),
                "lapse_at_end": c.boolean(overdue.get("lapse_at_end"),
                                          f"{p}.overdue.lapse_at_end", False),
                "after_lapse": c.choice(overdue.get("after_lapse"), f"{p}.overdue.after_lapse",
                                        AfterLapse.values, default=AfterLapse.REAPPLY)},
            "renewal": _renewal(c, renewal, f"{p}.renewal"),
            "number": {"prefix": str(number.get("prefix") or ""),
                       "width": c.integer(number.get("width", 6), f"{p}.number.width",
                                          low=1, high=12) or 6,
                       "suffix": str(number.get("suffix") or "")},
            "upgrade_pricing": c.choice(item.get("upgrade_pricing"), f"{p}.upgrade_pricing",
                                        UpgradePricing.values,
                                        default=UpgradePricing.DIFFERENCE),
            "resume_after_rejection": c.choice(item.get("resume_after_rejection"),
                                               f"{p}.resume_after_rejection",
                                               ResumeAfterRejection.values,
                                               default=ResumeAfterRejection.FIRST_STEP),
            "active": c.boolean(item.get("active"), f"{p}.active", True),
        }
        suspend = entry["overdue"]["suspend_after_months"]
        lapse = entry["overdue"]["lapse_after_months"]
        if suspend and lapse and lapse < suspend:
            c.fail(f"{p}.overdue.lapse_after_months",
                   _("must not come before the suspension (%(n)d months)") % {"n": suspend})
        for affix in ("prefix", "suffix"):
            if not NUMBER_AFFIX.match(entry["number"][affix]):
                c.fail(f"{p}.number.{affix}", _("must be up to 10 letters, digits or -"))
        pattern = (entry["number"]["prefix"], entry["number"]["suffix"])
        if pattern in numbering:
            c.fail(f"{p}.number", _("has the same prefix and suffix as member type %(code)s: "
                                    "their numbers would collide") % {"code": numbering[pattern]})
        numbering[pattern] = code
        years = c.listing(item.get("years", [1]), f"{p}.years", required=True)
        for j, year in enumerate(years):
            c.integer(year, f"{p}.years[{j}]", low=1, high=50)
        if len(set(map(str, years))) != len(years):
            c.fail(f"{p}.years", _("lists a year count twice"))
        entry["years"] = sorted(y for y in years if isinstance(y, int))
        entry["ranks"], rank_codes = _ranks(c, item.get("ranks"), p)
        entry["fees"] = _fees(c, item.get("fees"), p, rank_codes)
        field_keys: dict[str, str] = {}
        entry["registration_form"] = _form(c, item.get("registration_form"),
                                           f"{p}.registration_form", field_keys)
        entry["application_form"] = _form(c, item.get("application_form"),
                                          f"{p}.application_form", field_keys)
        if entry["validity"]["rule"] == ValidityRule.UNTIL_FIELD:
            if field_keys.get(entry["validity"]["field"]) != FieldType.DATE:
                c.fail(f"{p}.validity.field", _("must name a date field of this type's forms"))
        elif entry["validity"]["field"]:
            c.fail(f"{p}.validity.field", _("is only used with the rule until_field"))
        late = _month_day(c, validity.get("next_year_from"), f"{p}.validity.next_year_from")
        if late and entry["validity"]["rule"] != ValidityRule.CALENDAR_YEAR:
            c.fail(f"{p}.validity.next_year_from",
                   _("is only used with the rule calendar_year"))
        elif late:  # only where set: the documents of other types stay as they were
            entry["validity"]["next_year_from"] = late
        entry["uploads"] = _uploads(c, item.get("uploads"), p, base_dir, skip_template_files)
        _receipt_fields(c, entry, p)
        entry["review_chain"] = _chain(c, item.get("review_chain"), p,
                                       entry["review_required"])
        entry["level_changes"] = c.listing(item.get("level_changes"), f"{p}.level_changes")
        entry["record"] = record_layout_checked(c, item.get("record"), f"{p}.record", entry,
                                                field_keys)
        out.append(entry)
    _level_changes(c, out)
    return out


def _level_changes(c: _Checker, types: list[dict]) -> None:
    """Each type's `level_changes`: the member types its members may change to (each a
    type of the same kind, listed once). Listing the type's own code lets its members
    change rank within it; that needs ranks."""
    by_code = {t["code"]: t for t in types if t["code"]}
    for i, entry in enumerate(types):
        p = f"member_types[{i}].level_changes"
        targets, seen = [], set()
        for j, code in enumerate(entry["level_changes"]):
            target = by_code.get(code) if isinstance(code, str) else None
            if target is None:
                c.fail(f"{p}[{j}]", _("must name a member type of this profile"))
            elif code in seen:
                c.fail(f"{p}[{j}]", _("lists the member type %(code)s twice") % {"code": code})
            elif target["kind"] != entry["kind"]:
                c.fail(f"{p}[{j}]", _("must be a member type of the same kind (individual or "
                                      "unit)"))
            elif code == entry["code"] and not entry["ranks"]:
                c.fail(f"{p}[{j}]", _("names this type itself, which has no ranks to change "
                                      "between"))
            else:
                targets.append(code)
            if isinstance(code, str):
                seen.add(code)
        entry["level_changes"] = targets


def _ranks(c: _Checker, items: Any, p: str) -> tuple[list[dict], set[str]]:
    out, seen = [], set()
    for j, raw in enumerate(c.listing(items, f"{p}.ranks")):
        q = f"{p}.ranks[{j}]"
        rank = c.mapping(raw, q, {"code", "name"}, required={"code", "name"})
        out.append({"code": c.code(rank.get("code"), f"{q}.code", seen),
                    "name": c.text(rank.get("name"), f"{q}.name", required=True,
                                   max_length=100)})
    return out, seen


def _fees(c: _Checker, items: Any, p: str, rank_codes: set[str]) -> list[dict]:
    out, seen = [], set()
    for j, raw in enumerate(c.listing(items, f"{p}.fees", required=True)):
        q = f"{p}.fees[{j}]"
        fee = c.mapping(raw, q, {"rank", "amount_fen", "effective_from"},
                        required={"effective_from"})
        rank = fee.get("rank")
        if rank_codes and rank not in rank_codes:
            c.fail(f"{q}.rank", _("must name one of this type's ranks"))
        elif not rank_codes and rank is not None:
            c.fail(f"{q}.rank", _("this member type has no ranks"))
        amount = c.integer(fee.get("amount_fen"), f"{q}.amount_fen", low=0, high=FEE_MAX_FEN,
                           required=True, rule=_("must be a whole number of fen from 0 to "
                                                 "%(high)s") % {"high": FEE_MAX_FEN})
        when = c.date(fee.get("effective_from"), f"{q}.effective_from", required=True)
        if (rank, when) in seen:
            c.fail(q, _("repeats a fee for the same rank and date"))
        seen.add((rank, when))
        out.append({"rank": rank, "amount_fen": amount, "effective_from": when})
    for rank in sorted(rank_codes - {f["rank"] for f in out}):
        c.fail(f"{p}.fees", _("has no fee for the rank %(rank)s") % {"rank": rank})
    return out


def _form(c: _Checker, form: Any, p: str, keys: dict[str, str]) -> dict:
    if form is None:
        return {"steps": []}
    form = c.mapping(form, p, {"steps"})
    steps = []
    for s, raw in enumerate(c.listing(form.get("steps"), f"{p}.steps")):
        q = f"{p}.steps[{s}]"
        step = c.mapping(raw, q, {"title", "fields"}, required={"title"})
        fields = [_field(c, f, f"{q}.fields[{k}]", keys)
                  for k, f in enumerate(c.listing(step.get("fields"), f"{q}.fields",
                                                  required=True))]
        steps.append({"title": c.text(step.get("title"), f"{q}.title", required=True,
                                      max_length=100), "fields": fields})
    return {"steps": steps}


def _field(c: _Checker, raw: Any, q: str, keys: dict[str, str], *,
           in_group: bool = False) -> dict:
    kind = raw.get("type") if isinstance(raw, dict) else None
    allowed = OPTIONS.get(kind, set()) | {"key", "label", "type", "required", "help",
                                          "from_account", "sensitive"}
    field = c.mapping(raw, q, allowed, required={"key", "label", "type"})
    types = [t for t in FieldType.values if not (in_group and t == FieldType.GROUP)]
    kind = c.choice(field.get("type"), f"{q}.type", types)
    key = field.get("key")
    if not isinstance(key, str) or not CODE.match(key):
        c.fail(f"{q}.key", _("must be a code of lowercase letters, digits and _, starting "
                             "with a letter"))
    elif key in keys:
        c.fail(f"{q}.key", _("repeats the field key %(key)s") % {"key": key})
    else:
        keys[key] = kind
    out: dict[str, Any] = {
        "key": key, "label": c.text(field.get("label"), f"{q}.label", required=True,
                                    max_length=100),
        "type": kind, "required": c.boolean(field.get("required"), f"{q}.required", False),
        "help": c.text(field.get("help"), f"{q}.help", max_length=300),
    }
    if field.get("sensitive") is not None:
        # personal data sealed at rest, masked for staff, revealed on request (an ID number
        # always is: docs/personal-data.md)
        if kind in (FieldType.GROUP, FieldType.IMAGE):
            c.fail(f"{q}.sensitive", _("marks a group or an image: mark the fields in it"))
        elif c.boolean(field["sensitive"], f"{q}.sensitive", False):
            out["sensitive"] = True
    if field.get("receipt") is not None:
        # the unit's name (receipt title) or credit code (tax id) for its fee receipts
        allowed_parts = RECEIPT_PARTS.get(kind, set())
        if in_group or not allowed_parts:
            c.fail(f"{q}.receipt", _("is only used on a text or uscc field outside a group"))
        else:
            out["receipt"] = c.choice(field["receipt"], f"{q}.receipt", allowed_parts)
    if kind in (FieldType.TEXT, FieldType.TEXTAREA, FieldType.RICHTEXT):
        if "max_length" in field:
            out["max_length"] = c.integer(field["max_length"], f"{q}.max_length", low=1,
                                          high=20000)
        if field.get("placeholder"):
            out["placeholder"] = c.text(field["placeholder"], f"{q}.placeholder")
    elif kind in (FieldType.CHOICE, FieldType.MULTICHOICE):
        if field.get("choices_from"):
            out["choices_from"] = c.choice(field["choices_from"], f"{q}.choices_from",
                                           CHOICE_SOURCES)
            if "choices" in field:
                c.fail(f"{q}.choices", _("give either choices or choices_from, not both"))
        else:
            choices = c.listing(field.get("choices"), f"{q}.choices", required=True)
            try:
                normalized = normalize_choices(choices)
            except (KeyError, TypeError):
                c.fail(f"{q}.choices", _("each choice must be text or {value, label}"))
                normalized = []
            values = [ch["value"] for ch in normalized]
            if len(set(values)) != len(values):
                c.fail(f"{q}.choices", _("lists a choice twice"))
            for n, raw_choice in enumerate(choices):
                if isinstance(raw_choice, dict) and "exclusive" in raw_choice:
                    path = f"{q}.choices[{n}].exclusive"
                    if not isinstance(raw_choice["exclusive"], bool):
                        c.fail(path, _("must be true or false"))
                    elif kind != FieldType.MULTICHOICE:
                        c.fail(path, _("is only used with multichoice"))
                if isinstance(raw_choice, dict) and set(raw_choice) - {"value", "label",
                                                                       "exclusive"}:
                    c.fail(f"{q}.choices[{n}]", _("takes only value, label and exclusive"))
            out["choices"] = normalized
        if kind == FieldType.MULTICHOICE and "max_choices" in field:
            limit = c.integer(field["max_choices"], f"{q}.max_choices", low=1, high=100)
            if limit and out.get("choices") and limit > len(out["choices"]):
                c.fail(f"{q}.max_choices", _("is more than the number of choices"))
            out["max_choices"] = limit
    elif kind == FieldType.NUMBER:
        for bound in ("min", "max"):
            if bound in field:
                if isinstance(field[bound], bool) or not isinstance(field[bound], int | float):
                    c.fail(f"{q}.{bound}", _("must be a number"))
                out[bound] = field[bound]
        if isinstance(out.get("min"), int | float) and isinstance(out.get("max"), int | float) \
                and out["min"] > out["max"]:
            c.fail(f"{q}.max", _("must not be less than min"))
    elif kind == FieldType.DATE:
        for bound in ("min", "max"):
            if bound in field:
                out[bound] = c.date(field[bound], f"{q}.{bound}")
        if field.get("future") is not None:
            # a date after the day it is given (a student's expected graduation)
            out["future"] = c.boolean(field["future"], f"{q}.future", False)
    elif kind == FieldType.REGION:
        out["city_required"] = c.boolean(field.get("city_required"), f"{q}.city_required",
                                         True)
    elif kind == FieldType.PHONE:
        out["mobile_only"] = c.boolean(field.get("mobile_only"), f"{q}.mobile_only", False)
    elif kind == FieldType.IMAGE:
        out["max_size_mb"] = c.integer(field.get("max_size_mb", 2), f"{q}.max_size_mb",
                                       low=1, high=50)
        if field.get("formats") is not None:
            out["formats"] = _formats(c, field["formats"], f"{q}.formats", ["image"])
    elif kind == FieldType.GROUP:
        low = c.integer(field.get("min_items", 0), f"{q}.min_items", low=0, high=50) or 0
        high = c.integer(field.get("max_items", 10), f"{q}.max_items", low=1, high=50) or 10
        if high < low:
            c.fail(f"{q}.max_items", _("must not be less than min_items"))
        roles = c.listing(field.get("item_roles"), f"{q}.item_roles")
        if len(roles) > high:
            c.fail(f"{q}.item_roles", _("names more roles than max_items"))
        sub_keys: dict[str, str] = {}
        out.update({
            "min_items": low, "max_items": high, "item_roles": [str(r) for r in roles],
            "fields": [_field(c, f, f"{q}.fields[{k}]", sub_keys, in_group=True)
                       for k, f in enumerate(c.listing(field.get("fields"), f"{q}.fields",
                                                       required=True))],
        })
        if field.get("contacts") is not None:
            out["contacts"] = _contacts(c, field["contacts"], f"{q}.contacts", sub_keys)
    if field.get("from_account") is not None:
        _from_account(c, field["from_account"], f"{q}.from_account", kind, in_group, out)
    return out


RECEIPT_PARTS = {FieldType.TEXT: {"title", "tax_id"}, FieldType.USCC: {"tax_id"}}


def _receipt_fields(c: _Checker, entry: dict, p: str) -> None:
    """Each receipt part (`receipt: title | tax_id`) is named by one field of a type."""
    seen: set[str] = set()
    for form in ("registration_form", "application_form"):
        for step in entry[form]["steps"]:
            for field in step["fields"]:
                part = field.get("receipt")
                if part and part in seen:
                    c.fail(p, _("marks more than one field as the receipt's %(part)s")
                           % {"part": part})
                if part:
                    seen.add(part)


def _formats(c: _Checker, raw: Any, q: str, kinds: list) -> list[str]:
    """An upload's (or image question's) accepted formats: each of a kind it allows."""
    from tenant_apps.files.formats import FORMATS

    out = []
    for k, name in enumerate(c.listing(raw, q)):
        name = str(name).lower() if isinstance(name, str) else name
        if name not in FORMATS:
            c.fail(f"{q}[{k}]", _("must be one of: %(allowed)s")
                   % {"allowed": ", ".join(FORMATS)})
        elif FORMATS[name][0] not in kinds:
            c.fail(f"{q}[{k}]", _("is a %(kind)s format, not of the kinds allowed here")
                   % {"kind": FORMATS[name][0]})
        elif name not in out:
            out.append(name)
    return out


# What the sign-up asked for, by the field types that take it (applications.engine.prefill).
ACCOUNT_PARTS = {"name": {FieldType.TEXT}, "phone": {FieldType.PHONE},
                 "email": {FieldType.EMAIL}}


def _from_account(c: _Checker, part: Any, q: str, kind: str, in_group: bool,
                  out: dict) -> None:
    """`from_account: name | phone | email`: the application starts with what the applicant
    gave at sign-up in this field (the applicant may change it), so nothing is typed twice."""
    part = c.choice(part, q, ACCOUNT_PARTS)
    if in_group:
        c.fail(q, _("is only used on a field outside a group"))
    elif part in ACCOUNT_PARTS and kind not in ACCOUNT_PARTS[part]:
        c.fail(q, _("%(part)s goes in a %(kind)s field") % {
            "part": part, "kind": "/".join(sorted(ACCOUNT_PARTS[part]))})
    else:
        out["from_account"] = part


CONTACT_PARTS = {"name": {FieldType.TEXT}, "phone": {FieldType.PHONE},
                 "email": {FieldType.EMAIL}}


def _contacts(c: _Checker, raw: Any, q: str, sub_keys: dict[str, str]) -> dict:
    """`contacts: {name: <key>, phone: <key>, email: <key>}` on a group field: its items are
    the application's contacts (the first item the first contact), whom a message template
    may address (`recipients: first_contact | all_contacts`)."""
    spec = c.mapping(raw, q, set(CONTACT_PARTS))
    out = {}
    for part, kinds in CONTACT_PARTS.items():
        key = spec.get(part)
        if key is None:
            continue
        if sub_keys.get(key) not in kinds:
            c.fail(f"{q}.{part}", _("must name a %(kind)s field of this group (its fields: "
                                    "%(keys)s)") % {"kind": "/".join(sorted(kinds)),
                                                    "keys": ", ".join(sub_keys) or "-"})
            continue
        out[part] = key
    if spec and not ({"phone", "email"} & set(spec)):
        c.fail(q, _("names neither a phone nor an email field: contacts could not be "
                    "reached"))
    return out


def _uploads(c: _Checker, items: Any, p: str, base_dir: Path | None,
             skip_template_files: bool) -> list[dict]:
    out, seen = [], set()
    keys = {"key", "label", "required", "kinds", "formats", "max_size_mb", "max_count",
            "template", "template_file", "template_data", "help"}
    for j, raw in enumerate(c.listing(items, f"{p}.uploads")):
        q = f"{p}.uploads[{j}]"
        up = c.mapping(raw, q, keys, required={"key", "label", "kinds"})
        kinds = c.listing(up.get("kinds"), f"{q}.kinds", required=True)
        for k, kind in enumerate(kinds):
            c.choice(kind, f"{q}.kinds[{k}]", UploadKind.values)
        template = c.choice(up.get("template"), f"{q}.template",
                            UploadRequirement.Template.values,
                            default=UploadRequirement.Template.NONE)
        entry = {
            "key": c.code(up.get("key"), f"{q}.key", seen),
            "label": c.text(up.get("label"), f"{q}.label", required=True, max_length=100),
            "required": c.boolean(up.get("required"), f"{q}.required", True),
            "kinds": list(dict.fromkeys(kinds)),
            "formats": _formats(c, up.get("formats"), f"{q}.formats", kinds),
            "max_size_mb": c.integer(up.get("max_size_mb", 10), f"{q}.max_size_mb", low=1,
                                     high=100) or 10,
            "max_count": c.integer(up.get("max_count", 1), f"{q}.max_count", low=1,
                                   high=20) or 1,
            "template": template,
            "template_file": "",
            "template_data": "",
            "help": c.text(up.get("help"), f"{q}.help", max_length=300),
        }
        if template == UploadRequirement.Template.BLANK and skip_template_files:
            # A snapshot of stored configuration: the file itself is in storage.
            entry["template_file"] = c.text(up.get("template_file"), f"{q}.template_file")
        elif template == UploadRequirement.Template.BLANK:
            entry["template_file"], entry["template_data"] = _template_file(c, up, q, base_dir)
        elif up.get("template_file") or up.get("template_data"):
            c.fail(f"{q}.template_file", _("is only used with template: blank"))
        out.append(entry)
    return out


def _template_file(c: _Checker, up: dict, q: str, base_dir: Path | None) -> tuple[str, str]:
    name = up.get("template_file")
    if not isinstance(name, str) or not name.strip():
        c.fail(f"{q}.template_file", _("is required with template: blank"))
        return "", ""
    if up.get("template_data"):
        try:
            data = base64.b64decode(str(up["template_data"]), validate=True)
        except (binascii.Error, ValueError):
            c.fail(f"{q}.template_data", _("must be base64"))
            return name, ""
    else:
        path = (base_dir / name).resolve() if base_dir else None
        if path is None or not path.is_file() or base_dir.resolve() not in path.parents:
            c.fail(f"{q}.template_file", _("names no file next to the profile (or give "
                                           "template_data)"))
            return name, ""
        data = path.read_bytes()
    if len(data) > MAX_TEMPLATE_BYTES:
        c.fail(f"{q}.template_file", _("is larger than 5 MB"))
    return Path(name).name, base64.b64encode(data).decode("ascii")


def _month_day(c: _Checker, value: Any, p: str) -> str:
    """A day of the year as MM-DD ("12-01"), or "" when not given."""
    if value in (None, ""):
        return ""
    text = str(value)
    try:
        month, day = (int(x) for x in text.split("-"))
        dt.date(2024, month, day)  # a leap year: 02-29 is a day of some years
    except ValueError:
        c.fail(p, _("must be a day of the year as MM-DD, e.g. 12-01"))
        return ""
    return f"{month:02d}-{day:02d}"


def _chain(c: _Checker, items: Any, p: str, review_required: bool) -> list[dict]:
    out = []
    stages = list(ReviewStage.values)
    last_stage = 0
    for j, raw in enumerate(c.listing(items, f"{p}.review_chain")):
        q = f"{p}.review_chain[{j}]"
        step = c.mapping(raw, q, {"name", "role", "stage", "branch_routed"},
                         required={"name", "role", "stage"})
        role = c.choice(step.get("role"), f"{q}.role", ReviewRole.values)
        stage = c.choice(step.get("stage"), f"{q}.stage", ReviewStage.values)
        routed = c.boolean(step.get("branch_routed"), f"{q}.branch_routed", False)
        if routed and role != ReviewRole.BRANCH_ADMIN:
            c.fail(f"{q}.branch_routed", _("only a branch administrator's step is routed to "
                                           "the chosen branch"))
        if stage in stages:
            if stages.index(stage) < last_stage:
                c.fail(f"{q}.stage", _("a step before payment cannot follow a step after "
                                       "payment"))
            last_stage = max(last_stage, stages.index(stage))
        out.append({"name": c.text(step.get("name"), f"{q}.name", required=True,
                                   max_length=100),
                    "role": role, "stage": stage, "branch_routed": routed})
    if review_required and not out:
        c.fail(f"{p}.review_chain", _("needs at least one step when review_required is true"))
    if not review_required and out:
        c.fail(f"{p}.review_chain", _("must be empty when review_required is false"))
    return out


def _type_codes(c: _Checker, raw: Any, p: str, allowed: set[str]) -> list[str]:
    """Member type codes (`...member_types`) or rank codes (`...ranks`) of this profile."""
    codes = [str(v) for v in c.listing(raw, p)]
    for i, code in enumerate(codes):
        if code not in allowed:
            c.fail(f"{p}[{i}]", _("is no rank of this profile") if p.endswith(".ranks")
                   else _("is no member type of this profile"))
    return codes


def _submissions(c: _Checker, raw: Any, types: list[dict]) -> dict:
    """企业投稿 (tenant_apps/submissions): off unless the profile turns it on."""
    p = "submissions"
    spec = c.mapping(raw or {}, p, {"enabled", "max_size_mb", "member_types", "intro",
                                    "requirements"})
    requirements = c.listing(spec.get("requirements"), f"{p}.requirements")
    return {
        "enabled": c.boolean(spec.get("enabled"), f"{p}.enabled", False),
        "max_size_mb": c.integer(spec.get("max_size_mb", 10), f"{p}.max_size_mb", low=1,
                                 high=50) or 10,
        "member_types": _type_codes(c, spec.get("member_types"), f"{p}.member_types",
                                    {t["code"] for t in types}),
        "intro": c.text(spec.get("intro"), f"{p}.intro", max_length=2000),
        "requirements": [c.text(r, f"{p}.requirements[{i}]", required=True, max_length=300)
                         for i, r in enumerate(requirements)],
    }


# A council form's answers are typed on one page; a picture would need the application's
# storage (applications.forms), so none is asked there.
COUNCIL_FORM_TYPES = set(FieldType.values) - {FieldType.IMAGE}


def _council_forms(c: _Checker, items: Any, types: list[dict]) -> list[dict]:
    """完善理事资料 (tenant_apps/council_forms): forms for the members of some types and ranks,
    their fields those of the application forms."""
    out: list[dict] = []
    seen: set[str] = set()
    type_codes = {t["code"] for t in types}
    rank_codes = {r["code"] for t in types for r in t.get("ranks", [])}
    for i, raw in enumerate(c.listing(items, "council_forms")):
        p = f"council_forms[{i}]"
        spec = c.mapping(raw, p, {"code", "title", "intro", "member_types", "ranks", "steps"},
                         required={"code", "title", "steps"})
        form = _form(c, {"steps": spec.get("steps")}, p, {})
        for s_i, step in enumerate(form["steps"]):
            for f_i, field in enumerate(step["fields"]):
                q = f"{p}.steps[{s_i}].fields[{f_i}]"
                nested = [field, *field.get("fields", [])]
                if any(f.get("type") not in COUNCIL_FORM_TYPES for f in nested):
                    c.fail(f"{q}.type", _("an image cannot be asked in a council form"))
                if any("receipt" in f or "from_account" in f for f in nested):
                    c.fail(q, _("receipt and from_account belong to application forms"))
        out.append({
            "code": c.code(spec.get("code"), f"{p}.code", seen),
            "title": c.text(spec.get("title"), f"{p}.title", required=True),
            "intro": c.text(spec.get("intro"), f"{p}.intro", max_length=2000),
            "member_types": _type_codes(c, spec.get("member_types"), f"{p}.member_types",
                                        type_codes),
            "ranks": _type_codes(c, spec.get("ranks"), f"{p}.ranks", rank_codes),
            "steps": form["steps"],
        })
    return out


def _notices(c: _Checker, items: Any) -> list[dict]:
    out, seen = [], set()
    for i, raw in enumerate(c.listing(items, "notices")):
        p = f"notices[{i}]"
        notice = c.mapping(raw, p, {"kind", "version", "title", "body"},
                           required={"kind", "title", "body"})
        kind = c.choice(notice.get("kind"), f"{p}.kind", Notice.Kind.values)
        version = c.integer(notice.get("version", 1), f"{p}.version", low=1, high=10000) or 1
        if (kind, version) in seen:
            c.fail(f"{p}.version", _("repeats version %(v)d of this notice") % {"v": version})
        seen.add((kind, version))
        out.append({"kind": kind, "version": version,
                    "title": c.text(notice.get("title"), f"{p}.title", required=True),
                    "body": c.text(notice.get("body"), f"{p}.body", required=True,
                                   max_length=50000)})
    return out


def placeholders_in(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"{"}


def contact_groups(member_type: dict) -> list[dict]:
    """The group fields of a member type's forms that hold its contacts."""
    return [f for form in ("registration_form", "application_form")
            for step in member_type.get(form, {}).get("steps", [])
            for f in step["fields"] if f.get("type") == FieldType.GROUP and f.get("contacts")]


def template_problems(event: str, channel: str, recipients: str, parts: dict[str, str], *,
                      contacts: bool) -> list[tuple[str, str]]:
    """What is wrong with a message template, as (part, message): placeholders its event
    does not fill, recipients it cannot have. Used by the profile and the template screen."""
    problems = []
    known = event_variables(event)
    for part, text in parts.items():
        used = placeholders_in(text or "")
        if "{" in used:
            problems.append((part, _("has a { or } that is not a placeholder; write {{ or }} "
                                     "for the character itself")))
            continue
        unknown = used - known
        if unknown:
            problems.append((part, _(
                "uses placeholders its event (%(event)s) does not fill: %(names)s; it fills "
                "%(known)s") % {"event": MessageEvent(event).label,
                                "names": ", ".join(f"{{{n}}}" for n in sorted(unknown)),
                                "known": ", ".join(f"{{{n}}}" for n in sorted(known))}))
    if recipients != MessageRecipients.APPLICANT:
        if channel == MessageChannel.INBOX:
            problems.append(("recipients", _("an in-site message always goes to the "
                                             "applicant's account")))
        elif not EVENTS[event].has_application:
            problems.append(("recipients", _("this event is not about an application, so it "
                                             "has no contacts")))
        elif not contacts:
            problems.append(("recipients", _("no member type names its contacts (a group "
                                             "field with contacts: in its form)")))
    return problems


def _templates(c: _Checker, items: Any, *, contacts: bool) -> list[dict]:
    out, seen = [], set()
    for i, raw in enumerate(c.listing(items, "message_templates")):
        p = f"message_templates[{i}]"
        tpl = c.mapping(raw, p, {"event", "channel", "subject", "body", "provider_template",
                                 "recipients", "active"}, required={"event", "channel", "body"})
        event = c.choice(tpl.get("event"), f"{p}.event", MessageEvent.values)
        channel = c.choice(tpl.get("channel"), f"{p}.channel", MessageChannel.values)
        if (event, channel) in seen:
            c.fail(p, _("repeats the template for this event and channel"))
        seen.add((event, channel))
        entry = {"event": event, "channel": channel,
                 "subject": c.text(tpl.get("subject"), f"{p}.subject"),
                 "body": c.text(tpl.get("body"), f"{p}.body", required=True,
                                max_length=5000),
                 "provider_template": c.text(tpl.get("provider_template"),
                                             f"{p}.provider_template", max_length=60),
                 "recipients": c.choice(tpl.get("recipients"), f"{p}.recipients",
                                        MessageRecipients.values,
                                        default=MessageRecipients.APPLICANT),
                 "active": c.boolean(tpl.get("active"), f"{p}.active", True)}
        if channel == MessageChannel.EMAIL and not entry["subject"]:
            c.fail(f"{p}.subject", _("is required for email"))
        if event in EVENTS and channel in MessageChannel.values:
            for part, message in template_problems(
                    event, channel, entry["recipients"],
                    {"subject": entry["subject"], "body": entry["body"]}, contacts=contacts):
                c.fail(f"{p}.{part}", message)
        out.append(entry)
    return out


BANK_DETAILS = ("account_name", "account_number", "bank_name")  # 户名, 账号, 开户行


def _bank_details(c: _Checker, out: dict) -> None:
    """An enabled bank account names 户名, 账号 and 开户行: no payer is ever shown a transfer
    without an account."""
    for i, account in enumerate(out["payment_accounts"]):
        if account["kind"] == PaymentAccount.Kind.BANK and account["enabled"]:
            for key in BANK_DETAILS:
                if not account["settings"].get(key):
                    c.fail(f"payment_accounts[{i}].{key}",
                           _("is required when the bank account is enabled"))


def fee_types_without_a_way_to_pay(document: dict) -> list[str]:
    """The codes of the member types with a fee, when no payment account is enabled."""
    if any(a["enabled"] for a in document.get("payment_accounts", [])):
        return []
    return [t["code"] for t in document.get("member_types", [])
            if any((f.get("amount_fen") or 0) > 0 for f in t["fees"])]


def _a_way_to_pay(c: _Checker, out: dict) -> None:
    """A member type with a fee needs a way to pay it: at least one enabled payment account
    (an online one's keys are entered on the payment accounts page, never in the file)."""
    paying = fee_types_without_a_way_to_pay(out)
    if paying:
        c.fail("payment_accounts", _(
            "member types %(codes)s have a fee, but no payment account is enabled: enable "
            "WeChat Pay, Alipay or a bank account (with account_name, account_number and "
            "bank_name)") % {"codes": ", ".join(paying)})


def _payment_accounts(c: _Checker, items: Any) -> list[dict]:
    out, seen = [], set()
    for i, raw in enumerate(c.listing(items, "payment_accounts")):
        p = f"payment_accounts[{i}]"
        kind = raw.get("kind") if isinstance(raw, dict) else None
        allowed = {"kind", "display_name", "enabled"} | PAYMENT_SETTINGS.get(kind, set())
        account = raw if isinstance(raw, dict) else {}
        for secret in sorted(PAYMENT_SECRETS.get(kind, set()) & set(account)):
            c.fail(f"{p}.{secret}", _("secrets are never kept in profile files; enter them on "
                                      "the payment accounts page"))
        account = c.mapping({k: v for k, v in account.items()
                             if k not in PAYMENT_SECRETS.get(kind, set())}, p, allowed,
                            required={"kind", "display_name"})
        kind = c.choice(kind, f"{p}.kind", PaymentAccount.Kind.values)
        if kind in seen:
            c.fail(f"{p}.kind", _("repeats the account kind %(kind)s") % {"kind": kind})
        seen.add(kind)
        out.append({"kind": kind,
                    "display_name": c.text(account.get("display_name"), f"{p}.display_name",
                                           required=True, max_length=100),
                    "enabled": c.boolean(account.get("enabled"), f"{p}.enabled", False),
                    "settings": {k: c.text(account[k], f"{p}.{k}")
                                 for k in sorted(PAYMENT_SETTINGS.get(kind, set()))
                                 if account.get(k) not in (None, "")}})
    return out


def record_layout_checked(c: _Checker, raw: Any, p: str, entry: dict,
                          field_keys: dict[str, str]) -> dict:
    """A member type's `record:` (the member record's tabs and contacts), checked by
    tenant_apps.records.layout with this file's own field rules for record-only fields."""
    from tenant_apps.records.layout import layout_checked

    return layout_checked(c, raw, p, entry, field_keys, field_rule=_field)
