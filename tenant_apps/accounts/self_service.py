"""账户设置: what a person changes on their own account (mobile number, password).

Every change here is proven first: a new number by the code sent to it; a first password (an
account made by SMS sign-up has none, Jiangsu) by a fresh code sent to the account's phone; a
new password by the current one or by a code sent to the account's e-mail (CMES: "可通过原
密码和邮箱两种方式修改密码"). Codes are checked outside the write's transaction so a refused
try stays counted (codes.code_check); wrong current passwords are counted with failed logins
(throttle), keyed by the account's normalised identity and the account itself, so guessing
here pauses logins as guessing at the login page does.

Each change ends the account's other sessions (User.session_epoch; the caller keeps the
current one with update_session_auth_hash) and is audited. None of these functions runs inside
a caller's transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.accounts import throttle
from tenant_apps.accounts.codes import code_check, code_use
from tenant_apps.accounts.models import User, VerificationCode
from tenant_apps.accounts.passwords import password_check
from tenant_apps.accounts.services import normalize_phone
from tenant_apps.configuration.fieldtypes import is_mobile

Purpose = VerificationCode.Purpose


def mask_phone(phone: str | None) -> str:
    """139****0290: enough for its owner to recognise, not enough to be read off a screen."""
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 8 else (phone or "")


def login_identity(user: User) -> str:
    """What the person most likely types to log in: the key their failed logins count under."""
    return user.phone or user.email or user.username


def _end_other_sessions(user: User) -> None:
    # Every session's hash includes the epoch (User.get_session_auth_hash).
    user.session_epoch += 1


def account_phone_change(*, user: User, phone: str, code: str) -> User:
    """Move the account to a new mobile number, proven by the code sent to it. Only then is
    the number checked against the association's other accounts: the refusal tells the
    number's owner alone that it already has an account. The old number gets a notice."""
    from tenant_apps.notifications.services import Recipient, notify

    phone = normalize_phone(phone or "")
    if not is_mobile(phone):
        raise AppError("invalid_phone", _("Enter a valid mainland China mobile number."),
                       field="phone")
    if phone == user.phone:
        raise AppError("same_phone", _("This is already your mobile number."), field="phone")
    record = code_check(phone=phone, purpose=Purpose.PHONE_CHANGE, code=code)
    taken = AppError("phone_taken", _("This mobile number already has an account at this "
                                      "association. Log in with it, or ask the association "
                                      "to merge the accounts."), field="phone", status=409)
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            if User.objects.filter(phone=phone).exclude(pk=user.pk).exists():
                raise taken
            code_use(record)
            old = user.phone
            user.phone = phone
            fields = ["phone", "session_epoch"]
            if old and user.username == old:
                # Accounts made with a phone log in by it as their username too: the old
                # number must stop naming this account.
                user.username = phone
                fields.append("username")
            _end_other_sessions(user)
            user.save(update_fields=fields)
            audit_record(actor=user, action="account.phone_changed", target=user,
                         data={"from": old, "to": phone})
            _directory(user)
            if old:
                # To the number that was replaced (and the account's inbox and e-mail): if it
                # was not the person, they learn it from the phone they still hold.
                notify(event="phone_changed", user=user, params={"phone": mask_phone(phone)},
                       to=Recipient(name=str(user), phone=old, email=user.email))
    except IntegrityError as exc:  # another account took the number (or username) meanwhile
        raise taken from exc
    return user


def account_password_set(*, user: User, code: str, password: str) -> User:
    """Give an account without a password (SMS sign-up) its first one, after a fresh code
    sent to its own phone. An account that has one changes it instead."""
    if user.has_usable_password():
        raise AppError("password_exists", _("Your account already has a password. Change it "
                                            "with the current one."), status=409)
    if not user.phone:
        raise AppError("no_phone", _("Your account has no mobile number."), status=409)
    password_check(password, user, field="password1")
    record = code_check(phone=user.phone, purpose=Purpose.VERIFY, code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.has_usable_password():  # set by another request meanwhile
            raise AppError("password_exists", _("Your account already has a password. Change "
                                                "it with the current one."), status=409)
        code_use(record)
        user.set_password(password)
        _end_other_sessions(user)
        user.save(update_fields=["password", "session_epoch"])
        audit_record(actor=user, action="account.password_set", target=user,
                     data={"by": "sms"})
    return user


def account_password_change(*, user: User, password: str, old_password: str | None = None,
                            code: str | None = None, ip: str | None = None) -> User:
    """Change the password, proven by the current password or (accounts with an e-mail) by
    the code sent there."""
    by_email = old_password is None
    if by_email and not user.email:
        raise AppError("no_email", _("Your account has no email address."), field="code",
                       status=409)
    if not by_email and not user.has_usable_password():
        raise AppError("no_password", _("Your account has no password yet: set one with an "
                                        "SMS code."), status=409)
    password_check(password, user, field="password1")
    record = None
    if by_email:
        record = code_check(email=user.email, purpose=Purpose.PASSWORD, code=code or "")
    else:
        identity = login_identity(user)
        if throttle.locked(identity, user):
            raise AppError("locked", _("Too many failed attempts. Try again in 15 minutes."),
                           field="old_password", status=429)
        if not user.check_password(old_password):
            # Counted in the cache, outside any transaction: nothing rolls it back.
            throttle.record_failure(identity, user, ip)
            raise AppError("wrong_password", _("The current password is not correct."),
                           field="old_password")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if record is not None:
            code_use(record)
        user.set_password(password)
        _end_other_sessions(user)
        user.save(update_fields=["password", "session_epoch"])
        audit_record(actor=user, action="account.password_changed", target=user,
                     data={"by": "email" if by_email else "old_password"})
    return user


def _directory(user) -> None:
    """A member's directory row shows the account's phone and e-mail (tenant_apps/directory)."""
    from tenant_apps.directory.services import refresh_entries
    from tenant_apps.memberships.models import Membership

    refresh_entries(Membership.objects.filter(user=user).values_list("pk", flat=True))
