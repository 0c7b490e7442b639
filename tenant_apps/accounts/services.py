"""Writes for accounts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from huiji.audit.services import audit_record
from huiji.errors import AppError, Forbidden
from tenant_apps.accounts.models import Role, User
from tenant_apps.accounts.passwords import password_check

_PHONE = re.compile(r"^1[3-9]\d{9}$")


def normalize_email(value: str) -> str:
    return value.strip().lower()


# Spaces, dashes, dots and brackets people put in numbers: "139 0004 0290", "(139)0004-0290".
_PHONE_SEPARATORS = re.compile(r"[\s\-.()\u2010-\u2015]")


def normalize_phone(value: str) -> str:
    """A mainland mobile number as its 11 national digits, whatever the spelling: full-width
    digits, separators, +86 / 0086 / 86 in front. Anything else comes back without its
    separators (and is then no valid phone)."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "").strip())
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    if len(digits) == 13 and digits.startswith("86") and _PHONE.match(digits[2:]):
        return digits[2:]
    return digits


@dataclass(frozen=True)
class LoginIdentity:
    """What was typed into a login form, normalised once for every use: finding the account
    (accounts.selectors.account_for_identifier) and counting failures (accounts.throttle).

    `text` is the identifier in Unicode NFKC (full-width letters and digits as ASCII, as
    Django normalises usernames) without surrounding spaces; `key` is the one identity of
    every spelling: a phone number's 11 digits, an email in lower case, anything else (a
    username, a member number, a unit's name) case-folded with its spaces collapsed, so
    `e010107414t` is `E010107414T`."""

    kind: str  # phone, email or name
    text: str
    key: str


def login_identity(identifier: str) -> LoginIdentity:
    from tenant_apps.configuration.fieldtypes import is_mobile

    text = unicodedata.normalize("NFKC", identifier or "").strip()
    phone = normalize_phone(text)
    if is_mobile(phone):
        return LoginIdentity("phone", text, f"phone:{phone}")
    if "@" in text:
        return LoginIdentity("email", text, f"email:{normalize_email(text)}")
    return LoginIdentity("name", text, "name:" + " ".join(text.casefold().split()))


@transaction.atomic
def user_create(*, acting_user, name: str, email: str | None = None,
                phone: str | None = None, username: str | None = None,
                password: str | None = None, roles: list[str] | tuple[str, ...] = ()) -> User:
    """Create an account in the current schema (an association's, or the platform's)."""
    email = normalize_email(email) if email else None
    phone = normalize_phone(phone) if phone else None
    if not (email or phone or username):
        raise AppError("account_identifier_required",
                       _("An account needs a phone number, an email address or a username."))
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise AppError("invalid_email", _("Enter a valid email address."),
                           field="email") from exc
    if phone and not _PHONE.match(phone):
        raise AppError("invalid_phone", _("Enter a valid mainland China mobile number."),
                       field="phone")
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise AppError("unknown_role", _("Unknown role: %(roles)s") %
                       {"roles": ", ".join(sorted(unknown))}, field="roles")
    if password:
        candidate = User(username=username or phone or email or "", email=email, phone=phone,
                         name=name)
        password_check(password, candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, email=email,
                                            phone=phone, name=name, roles=list(roles))
    except IntegrityError as exc:
        raise AppError("account_exists",
                       _("An account with this phone number, email or username already exists."),
                       status=409) from exc
    audit_record(actor=acting_user, action="account.created", target=user,
                 data={"roles": list(roles)})
    return user


def account_signup(*, name: str, phone: str | None, email: str | None,
                   password: str | None, code: str | None, unit_name_login: bool) -> User:
    """Create an applicant's account on the association's site. The SMS code (when the
    association verifies by SMS) is checked first, the try counted whatever happens next,
    and used up only if the account is created. Not inside a caller's transaction: the try
    must be counted on its own (codes.code_check)."""
    from tenant_apps.accounts.codes import code_check, code_use

    record = code_check(phone=phone or "", purpose="signup", code=code) \
        if code is not None else None
    with transaction.atomic():
        if record is not None:
            code_use(record)
        if unit_name_login and User.objects.filter(name=name.strip()).exists():
            raise AppError("name_taken", _("A unit with this name already has an account. "
                                           "Log in, or reset its password."), field="name",
                           status=409)
        user = user_create(acting_user=None, name=name.strip(), phone=phone or None,
                           email=email or None, password=password or None,
                           # A unit that logs in by its name has it as its username too.
                           username=name.strip()[:150] if unit_name_login else None)
        audit_record(actor=user, action="account.signed_up", target=user)
        from tenant_apps.privacy.services import consent_record

        # the sign-up page (and the API's) says that signing up accepts the privacy policy:
        # the version in force is recorded (docs/personal-data.md)
        consent_record(user=user, purpose="privacy_policy", given=True, where="signup")
        from tenant_apps.notifications.services import notify

        # Where the association writes one (CAQ: "注册完成后，通知信息会发送至注册时填写的邮箱").
        notify(event="account_registered", user=user, params={"login": user.username})
    return user


def account_for_sms_login(*, phone: str, code: str) -> User:
    """Log in by phone and SMS code, where the association offers it. Only an existing,
    active account logs in: an account is made only through sign-up, which asks what the
    association asks of everyone (name, consent, its verification)."""
    from tenant_apps.accounts.codes import code_check, code_use
    from tenant_apps.accounts.selectors import sms_login_offered

    if not sms_login_offered():
        raise AppError("sms_login_off", _("This association does not offer login by SMS "
                                          "code. Log in with your password."), status=403)
    from tenant_apps.accounts.selectors import account_for_phone

    record = code_check(phone=phone, purpose="login", code=code)
    with transaction.atomic():
        user = account_for_phone(phone)  # the account's own phone, or a unit's contact's
        if user is None:
            raise AppError("no_account", _("No account uses this mobile number. Sign up "
                                           "first."), field="phone", status=404)
        if not user.is_active:
            raise AppError("inactive", _("This account is disabled."), field="phone",
                           status=403)
        code_use(record)
    return user


def password_reset_by_sms(*, phone: str, code: str, password: str) -> User:
    """Set a new password with an SMS code. The password passes the same validators as
    everywhere else (Django's, with the person's own details)."""
    from tenant_apps.accounts.codes import code_check, code_use

    record = code_check(phone=phone, purpose="reset", code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(phone=normalize_phone(phone)).first()
        if user is None:
            raise AppError("no_account", _("No account uses this mobile number."),
                           field="phone", status=404)
        password_check(password, user, field="password1")
        code_use(record)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="account.password_reset", target=user,
                     data={"by": "sms"})
    return user


# --- staff: invited by HQ administrators, activated by a one-time link ----------------------

@dataclass(frozen=True)
class Invitation:
    user: User
    # The one-time link to choose a password (also sent by SMS or email through the outbox).
    activation_url: str


def account_activation_path(user: User) -> str:
    """The one-time link's path to choose a password (Django's password-reset token: it dies
    once a password is set, and after PASSWORD_RESET_TIMEOUT). The first administrator of a
    new association gets the same link (tenants/services.py)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/reset/{uid}/{default_token_generator.make_token(user)}/"


def _staff_allowed(acting_user) -> None:
    from tenant_apps.accounts.capabilities import can

    if not can(acting_user, "staff.manage"):
        raise Forbidden(_("Only the association's HQ administrators manage its staff."))


def _staff_roles(roles) -> list[str]:
    from tenant_apps.accounts.capabilities import STAFF_ROLES

    roles = list(dict.fromkeys(roles or ()))
    if not roles:
        raise AppError("roles_required", _("Choose at least one role."), field="roles")
    wrong = [r for r in roles if r not in STAFF_ROLES]
    if wrong:
        raise AppError("unknown_role", _("Unknown role: %(roles)s") %
                       {"roles": ", ".join(sorted(map(str, wrong)))}, field="roles")
    return [r for r in STAFF_ROLES if r in roles]


def _staff_branches(roles: list[str], branches) -> list:
    branches = list(dict.fromkeys(branches or ()))
    if Role.BRANCH_ADMIN in roles and not branches:
        raise AppError("branches_required", _("Choose the branches a branch administrator "
                                              "administers."), field="branches")
    if branches and Role.BRANCH_ADMIN not in roles:
        raise AppError("branches_without_role", _("Only branch administrators are appointed "
                                                  "to branches."), field="branches")
    return branches


def _activation_link(user: User) -> str:
    from huiji.tenancy.current import current_association
    from tenants.services import association_url

    return association_url(current_association(), account_activation_path(user))


def _invitation_send(*, user: User) -> str:
    from django.conf import settings

    from tenant_apps.notifications.services import notify

    url = _activation_link(user)
    labels = "、".join(str(Role(r).label) for r in user.roles if r in Role.values)
    notify(event="staff_invited", user=user, params={
        "roles": labels, "link": url, "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)})
    return url


@transaction.atomic
def staff_invite(*, acting_user, name: str, phone: str | None = None,
                 email: str | None = None, roles, branches=(), send: bool = True) -> Invitation:
    """Invite a person as staff: an account with these roles and no password, appointed to
    `branches` (branch administrators), and a one-time activation link sent by SMS and/or
    email through the outbox. Never a preset password. `send=False` (the demo's preset
    staff, activated at once by the setup) makes the link without messaging the person, who
    would otherwise be told to set a password they already have."""
    _staff_allowed(acting_user)
    name = (name or "").strip()
    if not name:
        raise AppError("name_required", _("Enter the person's name."), field="name")
    if not (phone or email):
        raise AppError("contact_required", _("Give a mobile number or an email address: the "
                                              "activation link is sent there."), field="phone")
    roles = _staff_roles(roles)
    branches = _staff_branches(roles, branches)
    user = user_create(acting_user=acting_user, name=name, phone=phone or None,
                       email=email or None, roles=roles)
    if branches:
        user.administered_branches.set(branches)
    url = _invitation_send(user=user) if send else _activation_link(user)
    audit_record(actor=acting_user, action="staff.invited", target=user, data={
        "roles": roles, "branches": [b.code for b in branches],
        "sent_to": [a for a in (user.phone, user.email) if a] if send else []})
    return Invitation(user=user, activation_url=url)


@transaction.atomic
def staff_activation_resend(*, acting_user, user: User) -> Invitation:
    """A new activation link for someone who has not chosen a password yet (the first one
    expired or was lost)."""
    _staff_allowed(acting_user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():
        raise AppError("already_activated", _("This person has already chosen a password; "
                                              "they can reset it on the login page."),
                       status=409)
    if not user.is_active:
        raise AppError("inactive", _("Re-activate the account first."), status=409)
    url = _invitation_send(user=user)
    audit_record(actor=acting_user, action="staff.activation_sent", target=user,
                 data={"sent_to": [a for a in (user.phone, user.email) if a]})
    return Invitation(user=user, activation_url=url)


@transaction.atomic
def staff_update(*, acting_user, user: User, roles, branches=()) -> User:
    """Change a staff member's roles and the branches they administer. Roles outside staff
    (member) are kept. HQ administrators cannot take their own HQ role away."""
    _staff_allowed(acting_user)
    user = User.objects.select_for_update().get(pk=user.pk)
    roles = _staff_roles(roles)
    branches = _staff_branches(roles, branches)
    if user.pk == acting_user.pk and Role.HQ_ADMIN not in roles:
        raise AppError("own_hq_role", _("You cannot remove your own HQ administrator role; "
                                        "ask another HQ administrator."), field="roles")
    before = {"roles": list(user.roles),
              "branches": sorted(user.administered_branches.values_list("code", flat=True))}
    from tenant_apps.accounts.capabilities import STAFF_ROLES

    user.roles = [r for r in user.roles if r not in STAFF_ROLES] + roles
    user.save(update_fields=["roles"])
    user.administered_branches.set(branches)
    after = {"roles": list(user.roles), "branches": sorted(b.code for b in branches)}
    if after != before:
        audit_record(actor=acting_user, action="staff.updated", target=user,
                     data={"before": before, "after": after})
    return user


@transaction.atomic
def staff_set_active(*, acting_user, user: User, active: bool, reason: str = "") -> User:
    """Deactivate (the person can no longer log in, and every session of theirs ends, for
    good) or re-activate an account."""
    _staff_allowed(acting_user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == acting_user.pk and not active:
        raise AppError("own_account", _("You cannot deactivate your own account."),
                       status=409)
    if user.is_active == active:
        return user
    user.is_active = active
    fields = ["is_active"]
    if not active:
        user.session_epoch += 1
        fields.append("session_epoch")
        if not user.has_usable_password():
            # Not activated yet: a fresh unusable password kills the links already sent.
            user.set_unusable_password()
            fields.append("password")
    user.save(update_fields=fields)
    audit_record(actor=acting_user, action="staff.reactivated" if active
                 else "staff.deactivated", target=user, reason=(reason or "").strip()[:500])
    return user


@transaction.atomic
def account_activate(*, user: User, token: str, password: str) -> User:
    """Choose the first password with the one-time activation token (what the link's page
    does; the demo uses it to give its staff known passwords). The token dies with it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or not default_token_generator.check_token(user, token):
        raise AppError("link_expired", _("This link has expired or was already used. Ask "
                                         "the association for a new one."), status=409)
    password_check(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="account.activated", target=user)
    return user


# --- a member's login, reset by staff (the staff member page) -------------------------------

@transaction.atomic
def member_login_reset(*, acting_user, membership) -> list[str]:
    """重置登录: staff (members.reset_login; a branch administrator for members of their
    branch) send the member a one-time link to choose a new password, by SMS and e-mail
    through the outbox (event `login_reset`). Staff never see a password or the link. The
    old password stops working at once and every session of the account ends; the link is
    the activation link (`account_activation_path`): it works once (it dies when the password
    is set) and expires after PASSWORD_RESET_TIMEOUT. Returns where it went, partly hidden,
    for the success message; refused (409) when the account has neither phone nor e-mail."""
    from django.conf import settings

    from tenant_apps.accounts.capabilities import can_for_member
    from tenant_apps.notifications.services import notify
    from tenant_apps.records.selectors import mask_phone

    if not can_for_member(acting_user, "members.reset_login", membership):
        raise Forbidden()
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if not (user.phone or user.email):
        raise AppError("no_address", _("The member's account has neither a mobile number nor "
                                       "an e-mail address to send the link to."), status=409)
    if not user.is_active:
        raise AppError("inactive", _("This account is disabled."), status=409)
    user.set_unusable_password()
    user.session_epoch += 1
    user.save(update_fields=["password", "session_epoch"])
    notify(event="login_reset", user=user, params={
        "link": _activation_link(user),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)})
    sent_to = [a for a in (mask_phone(user.phone) if user.phone else None,
                           _mask_email(user.email) if user.email else None) if a]
    audit_record(actor=acting_user, action="account.login_reset", target=user,
                 data={"member_number": membership.number, "sent_to": sent_to})
    return sent_to


def _mask_email(email: str) -> str:
    """zhang.wei@unit.cn -> z***@unit.cn"""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
