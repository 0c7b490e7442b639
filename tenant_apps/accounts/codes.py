"""Verification codes by SMS (and by e-mail, for a password change in 账户设置): issued with
limits, checked in constant time, used once.

Limits (settings): one code per phone (or e-mail address) per 60 seconds,
SMS_CODES_PER_PHONE_PER_DAY per phone or address
and SMS_CODES_PER_IP_PER_DAY per client address (huiji.clientip); a code lives 5 minutes and
allows 5 tries in all, counted so that no refusal can undo the count. Codes are sent only for
what the association offers (SMS login, SMS sign-up verification; resets everywhere). Each
refusal says which limit was hit and when to try again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huiji.errors import AppError
from huiji.sms import SmsError, sms_backend
from tenant_apps.accounts.models import VerificationCode
from tenant_apps.accounts.selectors import sms_code_offered
from tenant_apps.accounts.services import normalize_email, normalize_phone
from tenant_apps.configuration.fieldtypes import is_mobile

CODE_TTL = dt.timedelta(minutes=5)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5
PURPOSES = ("signup", "login", "reset")
# Why a code is refused for a purpose the association does not offer (resets are offered
# wherever accounts have phones).
NOT_OFFERED = {
    "login": gettext_lazy("This association does not offer login by SMS code. Log in with "
                          "your password."),
    "signup": gettext_lazy("This association does not verify sign-ups by SMS."),
}


def _hash(address: str, purpose: str, code: str) -> str:
    key = f"{settings.SECRET_KEY}:{connection.schema_name}".encode()
    return hmac.new(key, f"{address}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def code_send(*, phone: str, purpose: str, ip: str | None) -> VerificationCode:
    """Send a code by SMS for a visitor's purpose (sign-up, SMS login, reset)."""
    phone = normalize_phone(phone)
    if purpose not in PURPOSES:
        raise AppError("bad_purpose", _("Unknown."), field="purpose")
    if not sms_code_offered(purpose):
        raise AppError("code_not_offered", NOT_OFFERED.get(purpose, _("Unknown.")),
                       field="phone", status=403)
    return _sms_send(phone=phone, purpose=purpose, ip=ip)


def _sms_send(*, phone: str, purpose: str, ip: str | None) -> VerificationCode:
    if not is_mobile(phone):
        raise AppError("invalid_phone", _("Enter a valid mainland China mobile number."),
                       field="phone")
    record, code = _issue(address={"phone": phone}, key=phone, purpose=purpose, ip=ip,
                          field="phone")
    text = _("Your verification code is %(code)s, valid for 5 minutes. Do not share it.") \
        % {"code": code}
    try:
        sms_backend().send(phone=phone, text=text, template=settings.SMS_CODE_TEMPLATE,
                           params={"code": code, "minutes": "5"}, event="verification_code")
    except SmsError as exc:
        raise AppError("sms_failed", _("The SMS could not be sent. Please try again shortly."),
                       field="phone", status=503) from exc
    return record


def _issue(*, address: dict, key: str, purpose: str, ip: str | None, field: str):
    """Store a new code for one phone or e-mail address after the limits; the caller's
    transaction (serialised per address) sends it."""
    now = timezone.now()
    # Serialise sends to one address so two quick clicks cannot both pass the 60 s check.
    connection.cursor().execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                [f"code:{key}"])
    last = VerificationCode.objects.filter(**address).first()
    if last and now - last.created_at < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
        raise AppError("code_too_soon", _("A code was just sent. Try again in %(n)d seconds.")
                       % {"n": wait}, field=field, status=429)
    day = now - dt.timedelta(days=1)
    if VerificationCode.objects.filter(**address, created_at__gte=day).count() >= \
            settings.SMS_CODES_PER_PHONE_PER_DAY:
        message = _("Too many codes were sent to this number today. Try again tomorrow.") \
            if "phone" in address else \
            _("Too many codes were sent to this email address today. Try again tomorrow.")
        raise AppError("code_daily_limit_phone", message, field=field, status=429)
    if ip and VerificationCode.objects.filter(ip=ip, created_at__gte=day).count() >= \
            settings.SMS_CODES_PER_IP_PER_DAY:
        raise AppError("code_daily_limit_ip", _(
            "Too many codes were requested from your network today. Try again tomorrow."),
            field=field, status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    record = VerificationCode.objects.create(
        **address, purpose=purpose, code_hash=_hash(key, purpose, code), ip=ip,
        expires_at=now + CODE_TTL)
    return record, code


# --- codes for a logged-in account (账户设置) --------------------------------------------------

@transaction.atomic
def account_code_send(*, user, purpose: str, ip: str | None,
                      phone: str | None = None) -> VerificationCode:
    """A code for something a logged-in account does in 账户设置: `phone` (to the NEW
    number given, proving it is the person's), `verify` (to the account's own phone, before
    setting a password), `password` (to the account's own e-mail, before changing the
    password). Whether the new number is taken is said only after its code is right, so
    this never tells anyone which numbers have accounts."""
    from tenant_apps.accounts.models import VerificationCode as Code

    if purpose == Code.Purpose.PHONE_CHANGE:
        phone = normalize_phone(phone or "")
        if phone and phone == user.phone:
            raise AppError("same_phone", _("This is already your mobile number."),
                           field="phone")
        return _sms_send(phone=phone, purpose=purpose, ip=ip)
    if purpose == Code.Purpose.VERIFY:
        if not user.phone:
            raise AppError("no_phone", _("Your account has no mobile number."), field="code",
                           status=409)
        return _sms_send(phone=user.phone, purpose=purpose, ip=ip)
    if purpose == Code.Purpose.PASSWORD:
        if not user.email:
            raise AppError("no_email", _("Your account has no email address."), field="code",
                           status=409)
        return _email_send(email=user.email, purpose=purpose, ip=ip)
    raise AppError("bad_purpose", _("Unknown."), field="purpose")


@transaction.atomic
def code_send_email(*, email: str, purpose: str, ip: str | None) -> VerificationCode:
    """A code by e-mail for a visitor's reset (首次登录 of an imported member whose contact on
    file has an e-mail address but no mobile: tenant_apps/imports/first_login.py), with the
    same limits as an SMS code."""
    if purpose != "reset":
        raise AppError("bad_purpose", _("Unknown."), field="purpose")
    return _email_send(email=email, purpose=purpose, ip=ip)


def _email_send(*, email: str, purpose: str, ip: str | None) -> VerificationCode:
    from django.core.mail import EmailMessage

    from huiji.tenancy.current import current_association

    email = normalize_email(email)
    record, code = _issue(address={"email": email}, key=email, purpose=purpose, ip=ip,
                          field="code")
    association = current_association()
    subject = _("Your verification code")
    body = _("Your verification code is %(code)s, valid for 5 minutes. Do not share it.") \
        % {"code": code}
    if association is not None:
        subject = f"{association.name} · {subject}"
    try:
        # Sent now, not through the outbox: the person waits for it, and a failure is said.
        EmailMessage(subject, body, None, [email]).send()
    except Exception as exc:  # any mail backend failure
        raise AppError("email_failed", _("The email could not be sent. Please try again "
                                         "shortly."), field="code", status=503) from exc
    return record


def code_check(*, phone: str | None = None, purpose: str, code: str,
               email: str | None = None) -> VerificationCode:
    """Check a code against the newest unused one for this phone (or e-mail address) and
    purpose; return that record, or raise. Does not use the code up: the caller does, with
    `code_use`, in the transaction that does what the code allows.

    Every try is counted, right or wrong, in a transaction of its own that commits before
    the answer is known to the caller: a refusal raised afterwards (here or in the caller)
    cannot roll the count back, so a code allows MAX_ATTEMPTS tries in all. `durable=True`
    makes running this inside another transaction an error instead of a silent hole. The
    count is keyed by the normalised address, whatever spelling was typed.
    """
    if email is not None:
        key = normalize_email(email)
        address = {"email": key}
    else:
        key = normalize_phone(phone or "")
        address = {"phone": key}
    now = timezone.now()
    with transaction.atomic(durable=True):
        record = VerificationCode.objects.select_for_update().filter(
            **address, purpose=purpose, used_at__isnull=True).first() if key else None
        if record is None or record.expires_at < now:
            outcome = "expired"
        elif record.attempts >= MAX_ATTEMPTS:
            outcome = "dead"
        else:
            VerificationCode.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
            right = hmac.compare_digest(record.code_hash,
                                        _hash(key, purpose, (code or "").strip()))
            if right:
                outcome = "right"
            else:
                # The last allowed try was wrong: say now that a new code is needed.
                outcome = "dead" if record.attempts + 1 >= MAX_ATTEMPTS else "wrong"
    if outcome == "expired":
        raise AppError("code_expired", _("The code has expired or was not requested. Get a "
                                         "new one."), field="code")
    if outcome == "dead":
        raise AppError("code_attempts", _("Too many wrong codes. Get a new one."), field="code",
                       status=429)
    if outcome == "wrong":
        raise AppError("code_wrong", _("The code is not correct."), field="code")
    return record


def code_use(record: VerificationCode) -> None:
    """Use a checked code up, in the caller's transaction (so it stays usable if what it was
    for fails). Of two requests racing with the same code, the second is refused."""
    used = VerificationCode.objects.filter(pk=record.pk, used_at__isnull=True).update(
        used_at=timezone.now())
    if not used:
        raise AppError("code_expired", _("The code has expired or was not requested. Get a "
                                         "new one."), field="code")
