"""The one password rule, wherever a password is chosen: sign-up, staff activation and the
first administrator's link, resets (SMS and e-mail link), 账户设置 (set or change), the API,
`createsuperuser`.

`password_problems` is the rule. Everything else adapts it: `password_check` raises the
`AppError` services raise, and `PasswordRuleValidator` is the only entry of
AUTH_PASSWORD_VALIDATORS, so Django's own password forms (the reset link, the change form)
and `validate_password` apply the same rule, with the same messages.

The rule: the association's minimum length and letter/digit requirements (its profile's
`password_rule:`; the platform's defaults on the platform's site), never all digits (a phone
number, a date, a member number), never containing the account's mobile number, never the
account's username, e-mail address (or its part before the @) or name, and not one of the
common passwords Django lists.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from huiji.errors import AppError


@cache
def _common() -> CommonPasswordValidator:
    return CommonPasswordValidator()  # reads its list of 20,000 once


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


def password_problems(password: str, user=None) -> list[str]:
    """Every way `password` breaks the rule for `user` (an account, saved or not, or None),
    as messages for the person; empty when it is acceptable."""
    from tenant_apps.accounts.selectors import account_settings

    password = password or ""
    rule = account_settings()
    problems = []
    if len(password) < rule.password_min_length:
        problems.append(_("At least %(n)d characters.") % {"n": rule.password_min_length})
    if password.isdigit():
        problems.append(_("The password cannot be all digits."))
    else:
        if rule.password_require_letter and not any(c.isalpha() for c in password):
            problems.append(_("Use at least one letter."))
        if rule.password_require_digit and not any(c.isdigit() for c in password):
            problems.append(_("Use at least one digit."))
    folded = _fold(password)
    phone = getattr(user, "phone", None)
    if phone and phone in unicodedata.normalize("NFKC", password):
        problems.append(_("The password cannot contain your mobile number."))
    email = _fold(getattr(user, "email", None))
    own = {_fold(getattr(user, "username", None)), _fold(getattr(user, "name", None)), email,
           email.split("@")[0] if email else ""} - {""}
    if folded and folded in own:
        problems.append(_("The password cannot be your name, username or email address."))
    try:
        _common().validate(password)
    except ValidationError as exc:
        problems.extend(exc.messages)
    return problems


def password_check(password: str, user=None, *, field: str = "password") -> None:
    """Raise `weak_password` (400) naming every problem, for services and APIs."""
    problems = password_problems(password, user)
    if problems:
        raise AppError("weak_password", " ".join(problems), field=field)


def password_help() -> str:
    from tenant_apps.accounts.selectors import account_settings

    rule = account_settings()
    parts = [_("At least %(n)d characters.") % {"n": rule.password_min_length}]
    if rule.password_require_letter and rule.password_require_digit:
        parts.append(_("Letters and digits."))
    parts.append(_("Not your mobile number or name."))
    from django.utils.translation import get_language

    # Chinese sentences follow each other without spaces.
    return ("" if (get_language() or "").startswith("zh") else " ").join(parts)


class PasswordRuleValidator:
    """The rule as Django's password validator (settings.AUTH_PASSWORD_VALIDATORS)."""

    def validate(self, password, user=None):
        problems = password_problems(password, user)
        if problems:
            raise ValidationError(problems, code="weak_password")

    def get_help_text(self):
        return password_help()
