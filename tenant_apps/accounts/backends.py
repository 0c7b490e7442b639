"""Log in with a phone number, an email address or a username, and a password."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import normalize_email, normalize_phone


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("identifier") or "").strip()
        if not identifier or password is None:
            return None
        user = User.objects.filter(
            Q(username=identifier) | Q(email=normalize_email(identifier))
            | Q(phone=normalize_phone(identifier))
        ).first()
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
