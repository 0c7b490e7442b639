"""Writes for accounts."""

from __future__ import annotations

import re

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


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
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


@transaction.atomic
def account_signup(*, name: str, phone: str | None, email: str | None,
                   password: str | None, code: str | None, unit_name_login: bool) -> User:
    """Create an applicant's account on the association's site. The SMS code (when the
    association verifies by SMS) is checked first and used up only if the account is
    created."""
    from tenant_apps.accounts.codes import code_check

    if code is not None:
        code_check(phone=phone or "", purpose="signup", code=code)
    if unit_name_login and User.objects.filter(name=name.strip()).exists():
        raise AppError("name_taken", _("A unit with this name already has an account. Log "
                                       "in, or reset its password."), field="name", status=409)
    user = user_create(acting_user=None, name=name.strip(), phone=phone or None,
                       email=email or None, password=password or None,
                       # A unit that logs in by its name has it as its username too.
                       username=name.strip()[:150] if unit_name_login else None)
    audit_record(actor=user, action="account.signed_up", target=user)
    return user


@transaction.atomic
def account_for_sms_login(*, phone: str, code: str) -> tuple[User, bool]:
    """Log in by phone and SMS code (no password): the account is made on first use, as
    the Jiangsu association's site does. Returns (user, created)."""
    from tenant_apps.accounts.codes import code_check

    code_check(phone=phone, purpose="login", code=code)
    phone = normalize_phone(phone)
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    user = user_create(acting_user=None, name=phone, phone=phone)
    audit_record(actor=user, action="account.signed_up", target=user, data={"by": "sms"})
    return user, True


@transaction.atomic
def password_reset_by_sms(*, phone: str, code: str, password: str) -> User:
    from tenant_apps.accounts.codes import code_check

    code_check(phone=phone, purpose="reset", code=code)
    user = User.objects.filter(phone=normalize_phone(phone)).first()
    if user is None:
        raise AppError("no_account", _("No account uses this mobile number."), field="phone",
                       status=404)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="account.password_reset", target=user,
                 data={"by": "sms"})
    return user
