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
