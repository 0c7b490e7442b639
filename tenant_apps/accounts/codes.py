"""SMS verification codes: issued with limits, checked in constant time, used once.

Limits (settings): one code per phone per 60 seconds, SMS_CODES_PER_PHONE_PER_DAY per phone
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
from tenant_apps.accounts.services import normalize_phone
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


def _hash(phone: str, purpose: str, code: str) -> str:
    key = f"{settings.SECRET_KEY}:{connection.schema_name}".encode()
    return hmac.new(key, f"{phone}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def code_send(*, phone: str, purpose: str, ip: str | None) -> VerificationCode:
    phone = normalize_phone(phone)
    if purpose not in PURPOSES:
        raise AppError("bad_purpose", _("Unknown."), field="purpose")
    if not sms_code_offered(purpose):
        raise AppError("code_not_offered", NOT_OFFERED.get(purpose, _("Unknown.")),
                       field="phone", status=403)
    if not is_mobile(phone):
        raise AppError("invalid_phone", _("Enter a valid mainland China mobile number."),
                       field="phone")
    now = timezone.now()
    # Serialise sends to one phone so two quick clicks cannot both pass the 60 s check.
    connection.cursor().execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                [f"sms:{phone}"])
    last = VerificationCode.objects.filter(phone=phone).first()
    if last and now - last.created_at < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
        raise AppError("code_too_soon", _("A code was just sent. Try again in %(n)d seconds.")
                       % {"n": wait}, field="phone", status=429)
    day = now - dt.timedelta(days=1)
    if VerificationCode.objects.filter(phone=phone, created_at__gte=day).count() >= \
            settings.SMS_CODES_PER_PHONE_PER_DAY:
        raise AppError("code_daily_limit_phone", _(
            "Too many codes were sent to this number today. Try again tomorrow."),
            field="phone", status=429)
    if ip and VerificationCode.objects.filter(ip=ip, created_at__gte=day).count() >= \
            settings.SMS_CODES_PER_IP_PER_DAY:
        raise AppError("code_daily_limit_ip", _(
            "Too many codes were requested from your network today. Try again tomorrow."),
            field="phone", status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    record = VerificationCode.objects.create(
        phone=phone, purpose=purpose, code_hash=_hash(phone, purpose, code), ip=ip,
        expires_at=now + CODE_TTL)
    text = _("Your verification code is %(code)s, valid for 5 minutes. Do not share it.") \
        % {"code": code}
    try:
        sms_backend().send(phone=phone, text=text, template=settings.SMS_CODE_TEMPLATE,
                           params={"code": code, "minutes": "5"}, event="verification_code")
    except SmsError as exc:
        raise AppError("sms_failed", _("The SMS could not be sent. Please try again shortly."),
                       field="phone", status=503) from exc
    return record


def code_check(*, phone: str, purpose: str, code: str) -> VerificationCode:
    """Check a code against the newest unused one for this phone and purpose; return that
    record, or raise. Does not use the code up: the caller does, with `code_use`, in the
    transaction that does what the code allows.

    Every try is counted, right or wrong, in a transaction of its own that commits before
    the answer is known to the caller: a refusal raised afterwards (here or in the caller)
    cannot roll the count back, so a code allows MAX_ATTEMPTS tries in all. `durable=True`
    makes running this inside another transaction an error instead of a silent hole.
    """
    phone = normalize_phone(phone)
    now = timezone.now()
    with transaction.atomic(durable=True):
        record = VerificationCode.objects.select_for_update().filter(
            phone=phone, purpose=purpose, used_at__isnull=True).first()
        if record is None or record.expires_at < now:
            outcome = "expired"
        elif record.attempts >= MAX_ATTEMPTS:
            outcome = "dead"
        else:
            VerificationCode.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
            right = hmac.compare_digest(record.code_hash,
                                        _hash(phone, purpose, (code or "").strip()))
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
