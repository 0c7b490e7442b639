from __future__ import annotations

import uuid

from tenant_apps.accounts.models import Role, User


def user_for_staff(*, viewer, public_id: uuid.UUID | str) -> User | None:
    """An account of the current association, if `viewer` is one of its HQ administrators, or
    the viewer's own account. None otherwise (answered as 404)."""
    if not viewer.is_authenticated:
        return None
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        return None
    if user.pk == viewer.pk or viewer.has_role(Role.HQ_ADMIN):
        return user
    return None


def account_settings():
    """The association's sign-up and login settings (defaults before any are saved)."""
    from tenant_apps.configuration.models import AssociationSettings

    return AssociationSettings.objects.first() or AssociationSettings(
        login_modes=["phone_password", "email_password"])


def accepts_name_login() -> bool:
    return "name_password" in account_settings().login_modes
