"""Writes for accounts."""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.accounts.models import Role, User

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
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise AppError("weak_password", " ".join(exc.messages), field="password") from exc
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
    record = code_check(phone=phone, purpose="login", code=code)
    with transaction.atomic():
        user = User.objects.filter(phone=normalize_phone(phone)).first()
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
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AppError("weak_password", " ".join(exc.messages),
                           field="password1") from exc
        code_use(record)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="account.password_reset", target=user,
                     data={"by": "sms"})
    return user
