"""首次登录: an imported member (or any member who never had, or lost, a password) proves it holds
the contact on file and chooses a password. Never a guessable initial password (CAQ's manual
gave "第一联系人姓名的全拼"; that is exactly what is not done here).

1. The person gives what the association's profile accepts (`accounts.first_login`): a mobile
   number on file (CACEM: the liaison's, 联络员手机号), the member's name (CAQ: 单位名称) or its
   member number. A code goes to the contact on file (its mobile by SMS, else its e-mail),
   and the page shows where, partly hidden.
2. The person gives the code and a new password; the account is theirs, logged in.

No account enumeration: an identifier that names nobody gets the same answer (a destination
shown, made up the same way every time for that identifier), and its codes are refused with
the same words as a wrong code. The counters (sends and wrong codes per normalised identity
and per client address) live in the cache, outside any database transaction, so no refusal
can roll them back; the code itself counts its own tries (accounts.codes.code_check).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import gettext as _

from huiji.audit.services import audit_record
from huiji.errors import AppError
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import login_identity, normalize_phone

SEND_EVERY = 60              # seconds between two codes for one identity
SENDS_PER_DAY = 10           # codes per identity a day
WRONG_CODES = 5              # wrong codes per identity in WINDOW
WINDOW = 15 * 60


@dataclass(frozen=True)
class Destination:
    phone: str = ""
    email: str = ""

    @property
    def masked(self) -> str:
        from tenant_apps.records.selectors import masked_display

        if self.phone:
            # the staff's masking rule, as for anyone who does not manage members
            return masked_display({"type": "phone"}, self.phone, self.phone,
                                  viewer=AnonymousUser())
        local, _at, domain = self.email.partition("@")
        return f"{local[:1]}***@{domain}"


def ways() -> list[str]:
    from tenant_apps.accounts.selectors import account_settings

    return list(getattr(account_settings(), "first_login", None) or [])


def _member(query) -> User | None:
    users = list(User.objects.filter(query, is_active=True, membership__isnull=False)
                 .distinct()[:2])
    return users[0] if len(users) == 1 else None


def account_and_destination(identifier: str) -> tuple[User | None, Destination | None]:
    """The one member account the identifier names, by the ways the association accepts,
    and where its code goes: the mobile given (a contact's on file, or the account's), or
    the first contact on file (its mobile, else its e-mail), else the account's own."""
    from django.db.models import Q

    from tenant_apps.configuration.fieldtypes import is_mobile
    from tenant_apps.records.models import Contact

    identity = login_identity(identifier)
    accepted = ways()
    if not identity.text:
        return None, None
    phone = normalize_phone(identity.text)
    if identity.kind == "phone" and "phone" in accepted and is_mobile(phone):
        user = _member(Q(phone=phone) | Q(membership__record__contacts__mobile=phone))
        return (user, Destination(phone=phone)) if user else (None, None)
    query = Q(pk__in=[])
    if "name" in accepted:
        query |= Q(name=identity.text)
    if "number" in accepted:
        query |= Q(membership__number__iexact=identity.text)
    user = _member(query)
    if user is None:
        return None, None
    contact = Contact.objects.filter(record__membership__user=user).exclude(
        mobile="", email="").order_by("ordering", "id").first()
    if contact is not None and (contact.mobile or contact.email):
        return user, Destination(phone=contact.mobile) if contact.mobile \
            else Destination(email=contact.email)
    if user.phone or user.email:
        return user, Destination(phone=user.phone or "", email="" if user.phone
                                 else user.email)
    return None, None


def _made_up(identity_key: str) -> Destination:
    """Where a code would go for an identifier that names nobody: a mobile number partly
    hidden, the same every time for that identifier, like a real one."""
    digest = hmac.new(f"{settings.SECRET_KEY}:first-login:{connection.schema_name}".encode(),
                      identity_key.encode(), hashlib.sha256).hexdigest()
    digits = "".join(str(int(c, 16) % 10) for c in digest[:10])
    return Destination(phone="1" + "3456789"[int(digits[0]) % 7] + digits[1:10])


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"first-login:{kind}:{digest}"


def _count(key: str, window: int) -> int:
    """Add one to a counter (created with its window on first use); the new count."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:   # expired between add and incr
        cache.set(key, 1, window)
        return 1


def first_login_send(*, identifier: str, ip: str | None) -> str:
    """Send a code to the contact on file of the member `identifier` names; returns the
    destination partly hidden. The same answer, and the same limits, whether or not the
    identifier names anybody."""
    from tenant_apps.accounts.codes import code_send, code_send_email

    if not ways():
        raise AppError("first_login_off", _("This association does not offer a first login. "
                                            "Please contact the association."), status=403)
    identity = login_identity(identifier)
    if not identity.text:
        raise AppError("required", _("This field is required."), field="identifier")
    # counted before anything is looked up, in the cache: no refusal below can undo them
    if not cache.add(_key("recent", identity.key), 1, SEND_EVERY):
        raise AppError("code_too_soon", _("A code was just sent. Try again in %(n)d seconds.")
                       % {"n": SEND_EVERY}, field="identifier", status=429)
    counted = [_key("day", identity.key)] + ([_key("ip", ip)] if ip else [])
    if _count(counted[0], 24 * 3600) > SENDS_PER_DAY or \
            (ip and _count(counted[1], 24 * 3600) > settings.SMS_CODES_PER_IP_PER_DAY):
        raise AppError("code_daily_limit", _("Too many codes were requested today. Try again "
                                             "tomorrow."), field="identifier", status=429)
    user, destination = account_and_destination(identifier)
    if user is None:
        typed = normalize_phone(identity.text)
        return (Destination(phone=typed) if identity.kind == "phone"
                else _made_up(identity.key)).masked
    try:
        if destination.phone:
            code_send(phone=destination.phone, purpose="reset", ip=ip)
        else:
            code_send_email(email=destination.email, purpose="reset", ip=ip)
    except AppError as exc:
        if exc.code in ("sms_failed", "email_failed"):
            _uncount(_key("recent", identity.key), counted)
        raise
    return destination.masked


def _uncount(recent: str, counted: list[str]) -> None:
    """The provider could not be reached: nothing was sent, so the send is not counted (as
    code_send's own counts, rolled back with its record), and the person may ask again at
    once rather than after SEND_EVERY."""
    cache.delete(recent)
    for key in counted:
        with contextlib.suppress(ValueError):  # expired meanwhile
            cache.decr(key)


def first_login_complete(*, identifier: str, code: str, password: str) -> User:
    """Check the code sent to the contact on file and set the account's password. Wrong
    codes are counted per identity (and by the code itself); an identifier that names
    nobody is refused like a wrong code. Not inside a caller's transaction: the tries must
    be counted on their own."""
    from tenant_apps.accounts.codes import code_check, code_use
    from tenant_apps.accounts.passwords import password_check

    identity = login_identity(identifier)
    wrong = _key("wrong", identity.key)
    if int(cache.get(wrong, 0)) >= WRONG_CODES:
        raise AppError("code_attempts", _("Too many wrong codes. Get a new one."), field="code",
                       status=429)
    user, destination = account_and_destination(identifier)
    if user is None:
        _count(wrong, WINDOW)
        raise AppError("code_wrong", _("The code is not correct."), field="code")
    try:
        record = code_check(phone=destination.phone or None, email=destination.email or None,
                            purpose="reset", code=code)
    except AppError:
        _count(wrong, WINDOW)
        raise
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        password_check(password, user, field="password1")
        code_use(record)
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="account.first_login", target=user,
                     data={"by": "sms" if destination.phone else "email"})
    cache.delete(wrong)
    return user


def needs_first_login(user) -> bool:
    """A member still to log in for the first time: an account without a usable password (an
    imported member, until 首次登录 sets one). The invitation is offered and sent only then;
    a member who has a password is sent a login reset instead."""
    return user is not None and not user.has_usable_password()
