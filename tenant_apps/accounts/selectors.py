from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import Q
from django_tenants.utils import get_public_schema_name

from tenant_apps.accounts.capabilities import can
from tenant_apps.accounts.models import User


def user_for_staff(*, viewer, public_id: uuid.UUID | str) -> User | None:
    """An account of the current association, if `viewer` is one of its HQ administrators, or
    the viewer's own account. None otherwise (answered as 404)."""
    if not viewer.is_authenticated:
        return None
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        return None
    if user.pk == viewer.pk or can(viewer, "accounts.view"):
        return user
    return None


def account_settings():
    """The association's sign-up and login settings (defaults before any are saved, and on
    the platform's own site, whose schema has no configuration tables)."""
    from tenant_apps.configuration.models import AssociationSettings

    default = AssociationSettings(login_modes=["phone_password", "email_password"])
    if not _on_association():
        return default
    return AssociationSettings.objects.first() or default


def accepts_name_login() -> bool:
    return "name_password" in account_settings().login_modes


def _on_association() -> bool:
    return connection.schema_name != get_public_schema_name()


def sms_login_offered() -> bool:
    """Whether this association lets people log in with a phone and an SMS code."""
    return _on_association() and "phone_sms" in account_settings().login_modes


def password_login_offered() -> bool:
    """Whether this site takes passwords (the platform's always does)."""
    return not _on_association() or bool(set(account_settings().login_modes) - {"phone_sms"})


def sms_code_offered(purpose: str) -> bool:
    """Whether a verification code is sent for this purpose here: for SMS login and SMS
    sign-up only where the association offers them; for a password reset on every site."""
    if purpose == "reset":
        return True
    if not _on_association():
        return False
    if purpose == "login":
        return sms_login_offered()
    if purpose == "signup":
        return account_settings().signup_verification == "sms"
    return False


def account_for_identifier(identifier: str) -> User | None:
    """The one account a login identifier names: a phone number in any spelling, an email
    address, a username, a member number, or (where the association logs units in by name)
    a unit's name. None when nothing or more than one account matches (a shared name
    identifies neither)."""
    from tenant_apps.accounts.services import login_identity, normalize_email, normalize_phone
    from tenant_apps.configuration.fieldtypes import is_mobile
    from tenant_apps.records.services import contact_login_query

    # One normalisation for finding the account and for counting its failures (throttle).
    text = login_identity(identifier).text
    if not text:
        return None
    # Each way of naming an account is its own indexed lookup (an OR of them through the
    # membership's join reads every account); together at most two accounts are kept.
    ways = [Q(username=text), Q(email=normalize_email(text)), Q(phone=normalize_phone(text))]
    if _on_association():
        # Members of an association may also give their member number (CAQ), in any case
        # (numbers are letters and digits: e010107414t is E010107414T; the index is on
        # UPPER(number)), and units their name where the association logs units in by name.
        ways.append(Q(membership__number__iexact=text))
        if accepts_name_login():
            ways.append(Q(name=text))
        # A unit's contact logs in to the unit's account with its own mobile (CACEM
        # 联络员手机号+密码, Jiangsu 注册时联系人的手机号), where the profile says so.
        phone = normalize_phone(text)
        if is_mobile(phone):
            ways.append(contact_login_query(phone))
    matches: dict[int, User] = {}
    for way in ways:
        for user in User.objects.filter(way).distinct()[:2]:
            matches[user.pk] = user
        if len(matches) > 1:
            return None  # a shared identifier names neither account
    return next(iter(matches.values())) if matches else None


def _contact_query(text: str) -> Q:
    from tenant_apps.accounts.services import normalize_phone
    from tenant_apps.configuration.fieldtypes import is_mobile
    from tenant_apps.records.services import contact_login_query

    phone = normalize_phone(text)
    return contact_login_query(phone) if is_mobile(phone) else Q(pk__in=[])


def account_for_phone(phone: str) -> User | None:
    """The one account a mobile number logs in to by SMS code: the account with this phone,
    or the unit whose contact it is. AppError when two accounts claim it: a code proves the
    phone, not which of them is meant."""
    from django.utils.translation import gettext as _

    from huiji.errors import AppError
    from tenant_apps.accounts.services import normalize_phone

    phone = normalize_phone(phone)
    matches = list(User.objects.filter(Q(phone=phone) | _contact_query(phone)).distinct()[:2])
    if len(matches) > 1:
        raise AppError("phone_ambiguous", _("This mobile number belongs to more than one "
                                            "account. Log in with the account's password, "
                                            "or ask the association."), field="phone",
                       status=409)
    return matches[0] if matches else None


# --- staff -----------------------------------------------------------------------------------

def _staff_rows():
    from tenant_apps.accounts.capabilities import STAFF_ROLES

    return User.objects.filter(roles__overlap=list(STAFF_ROLES)).prefetch_related(
        "administered_branches")


def staff_list(*, viewer) -> list[User]:
    """The association's staff (anyone holding a staff role, active or not) with the branches
    they administer, for HQ administrators; two queries whatever the size."""
    if not can(viewer, "staff.manage"):
        return []
    return list(_staff_rows().order_by("-is_active", "name", "pk"))


def staff_member(*, viewer, public_id: uuid.UUID | str) -> User | None:
    """One staff account, for HQ administrators; None (404) for anything else."""
    if not can(viewer, "staff.manage"):
        return None
    return _staff_rows().filter(public_id=public_id).first()


def staff_status(user: User) -> str:
    """active, invited (no password chosen yet) or deactivated."""
    if not user.is_active:
        return "deactivated"
    return "active" if user.has_usable_password() else "invited"
